"""Every Kafka client a service makes reaches the broker over TLS, checked against the configured CA, with its
client certificate, and opens with the configured SASL mechanism.

The embedded broker (Tansu) serves neither TLS nor SCRAM, so a TLS listener of the test's own stands in for
Strimzi's: it completes the handshake, answers ApiVersions and notes the SASL mechanism the client asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from services.notifier.settings import Settings as NotifierSettings
from services.runtime.consumer import ConsumerRule
from services.runtime.consumer_group import ConsumerGroup
from services.runtime.kafka import KafkaRecordPublisher
from services.runtime.settings import KafkaSettings
from tests.runtime.tls_broker import Certificates, Opening, TlsListener, make_certificates

PASSWORD = "scram-password-0123456789abcdef"


@pytest.fixture
async def listener(tmp_path: Path) -> AsyncIterator[TlsListener]:
    tls = TlsListener(make_certificates(tmp_path), require_client_certificate=True)
    await tls.start()
    yield tls
    await tls.stop()


def secured(bootstrap: str, certificates: Certificates, mechanism: str = "SCRAM-SHA-512") -> KafkaSettings:
    return KafkaSettings(
        bootstrap_servers=bootstrap,
        request_timeout_ms=3000,
        security_protocol="SASL_SSL",
        ssl_cafile=certificates.ca,
        ssl_certfile=certificates.client_cert,
        ssl_keyfile=certificates.client_key,
        sasl_mechanism=mechanism,  # type: ignore[arg-type]
        sasl_username="notifier",
        sasl_password=SecretStr(PASSWORD),
    )


async def open_every_client(settings: KafkaSettings) -> None:
    """Start the relay's producer and the service's consumer group, as a service does; the stand-in broker ends
    each after its opening, so each start fails, and that is expected."""
    relay = KafkaRecordPublisher(settings, client_id="notifier-relay")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(relay.start(), 10)
    group = ConsumerGroup(settings, ConsumerRule({"duty.units": {}}, relay), group_id="notifier", service="notifier")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(group.start(), 10)
    await group.stop()


async def test_every_client_speaks_tls_with_its_certificate_and_scram(listener: TlsListener) -> None:
    """The outbox relay's producer and the group's consumer both open with TLS (the CA checked, the client
    certificate shown) and a SCRAM-SHA-512 handshake."""
    await open_every_client(secured(listener.bootstrap, listener.certificates))
    openings = {opening.client_id: opening for opening in listener.seen}
    assert set(openings) == {"notifier-relay", "notifier"}
    assert set(openings.values()) == {
        Opening(client, client_certificate=True, sasl_mechanism="SCRAM-SHA-512") for client in openings
    }


async def test_plain_sasl_is_offered_when_configured(listener: TlsListener) -> None:
    """SASL PLAIN (over TLS) is the other mechanism the settings take."""
    await open_every_client(secured(listener.bootstrap, listener.certificates, mechanism="PLAIN"))
    assert {opening.sasl_mechanism for opening in listener.seen} == {"PLAIN"}


async def test_a_broker_the_ca_does_not_vouch_for_is_not_talked_to(listener: TlsListener, tmp_path: Path) -> None:
    """With another CA in the settings the TLS handshake fails: no client sends the broker a request."""
    other = tmp_path / "other"
    other.mkdir()
    stranger = make_certificates(other)
    settings = secured(listener.bootstrap, listener.certificates).model_copy(update={"ssl_cafile": stranger.ca})
    await open_every_client(settings)
    assert listener.seen == []


def test_the_settings_come_from_the_environment_and_hide_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """`DUTYWATCH_<SERVICE>_KAFKA__…` set TLS and SASL; the password never shows in a repr."""
    for name, value in {
        "SECURITY_PROTOCOL": "SASL_SSL",
        "SSL_CAFILE": "/etc/dutywatch/kafka/ca.crt",
        "SASL_MECHANISM": "SCRAM-SHA-512",
        "SASL_USERNAME": "notifier",
        "SASL_PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setenv(f"DUTYWATCH_NOTIFIER_KAFKA__{name}", value)
    kafka = NotifierSettings().kafka
    assert (kafka.security_protocol, kafka.sasl_username, kafka.sasl_password.get_secret_value()) == (
        "SASL_SSL",
        "notifier",
        PASSWORD,
    )
    assert PASSWORD not in repr(kafka)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"security_protocol": "SASL_SSL"}, "needs sasl_mechanism"),
        ({"sasl_mechanism": "PLAIN", "sasl_username": "x"}, "needs security_protocol SASL_SSL"),
        ({"security_protocol": "SSL", "ssl_certfile": "/c.pem"}, "set both ssl_certfile and ssl_keyfile"),
    ],
)
def test_security_settings_that_cannot_work_are_refused(changes: dict[str, str], named: str) -> None:
    """SASL without a mechanism, a mechanism without SASL, or a certificate without its key: refused at start."""
    with pytest.raises(ValidationError, match=named):
        KafkaSettings(**changes)  # type: ignore[arg-type]
