"""A TLS listener that stands where a Kafka broker's TLS listener would: it completes the handshake (checking
the client's certificate when asked to), reads the client's first Kafka request and notes who sent what.

The embedded broker (Tansu) serves neither TLS nor SCRAM, so this is how the tests see that the clients the
services make speak TLS with the configured CA and certificate and open with a SASL handshake.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
import struct
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["Certificates", "Opening", "TlsListener", "make_certificates"]

SASL_HANDSHAKE, API_VERSIONS = 17, 18
# What the listener claims to serve, so that the client goes on from ApiVersions to the SASL handshake.
OFFERED = ((API_VERSIONS, 0, 0), (SASL_HANDSHAKE, 0, 1), (3, 0, 1))


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: ec.EllipticCurvePrivateKey, ca: bool
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def make_certificates(folder: Path) -> Certificates:
    """A CA of the test's own, a server certificate for `localhost` and a client certificate, as PEM files."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("dutywatch test CA", ca_key, _name("dutywatch test CA"), ca_key, ca=True)
    written: dict[str, Path] = {"ca": _pem(folder / "ca.pem", ca_cert)}
    for who in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        written[f"{who}_cert"] = _pem(folder / f"{who}.pem", _issue(who, key, ca_cert.subject, ca_key, ca=False))
        written[f"{who}_key"] = folder / f"{who}.key"
        written[f"{who}_key"].write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return Certificates(**written)


def _pem(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


@dataclass(frozen=True)
class Opening:
    """How a client opened its connection: who it is, whether it showed a certificate, its SASL mechanism."""

    client_id: str
    client_certificate: bool
    sasl_mechanism: str | None


@dataclass
class TlsListener:
    certificates: Certificates
    require_client_certificate: bool = False
    seen: list[Opening] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def bootstrap(self) -> str:
        assert self._server is not None
        return f"localhost:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.certificates.ca))
        context.load_cert_chain(self.certificates.server_cert, self.certificates.server_key)
        context.verify_mode = ssl.CERT_REQUIRED if self.require_client_certificate else ssl.CERT_NONE
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            api_key, correlation, client_id, _ = await _request(reader)
            mechanism = None
            if api_key == API_VERSIONS:
                writer.write(_api_versions(correlation))
                await writer.drain()
                api_key, _, _, body = await _request(reader)
                if api_key == SASL_HANDSHAKE:
                    (length,) = struct.unpack(">h", body[:2])
                    mechanism = body[2 : 2 + length].decode()
            certificate = writer.get_extra_info("peercert") is not None
            self.seen.append(Opening(client_id, certificate, mechanism))
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def _request(reader: asyncio.StreamReader) -> tuple[int, int, str, bytes]:
    """A request's api key, correlation id, client id and body."""
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    request = await reader.readexactly(size)
    api_key, _version, correlation, id_length = struct.unpack(">hhih", request[:10])
    return api_key, correlation, request[10 : 10 + id_length].decode(), request[10 + id_length :]


def _api_versions(correlation: int) -> bytes:
    """An ApiVersions v0 response offering OFFERED."""
    body = struct.pack(">ihi", correlation, 0, len(OFFERED))
    body += b"".join(struct.pack(">hhh", *offer) for offer in OFFERED)
    return struct.pack(">i", len(body)) + body
