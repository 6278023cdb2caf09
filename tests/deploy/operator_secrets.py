"""The Secrets the prod overlay leaves to others: those the operator creates (deploy/README.md, "Secrets"), and
those Strimzi's operators make (each KafkaUser's password, the cluster CA), with freshly generated values."""

from __future__ import annotations

import json
import secrets

from tests.deploy.manifests import Manifest

__all__ = ["operator_secrets"]


def _secret(name: str, **values: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "stringData": values}


def _token() -> str:
    return secrets.token_urlsafe(24)


def _api_tokens() -> str:
    return json.dumps({"bureau": {"token": _token(), "units": ["*"]}})


def operator_secrets() -> list[Manifest]:
    database = "postgresql+asyncpg://{0}:" + _token() + "@postgresql.example.internal:5432/{0}"
    return [
        _secret(
            "dutywatch-database",
            **{
                f"{name.replace('_', '-')}-url": database.format(name)
                for name in ("duty_roster", "incident", "notifier")
            },
        ),
        _secret(
            "dutywatch-twilio",
            **{
                "account-sid": "AC" + secrets.token_hex(16),
                "auth-tokens": secrets.token_hex(16),
                "from-number": "+15005550006",
            },
        ),
        _secret(
            "dutywatch-aliyun",
            **{"access-key-id": "LTAI" + secrets.token_hex(8), "access-key-secret": _token(), "push-tokens": _token()},
        ),
        _secret("dutywatch-roster-api", **{"api-tokens": _api_tokens()}),
        _secret("dutywatch-incident-api", **{"api-tokens": _api_tokens()}),
        _secret("dutywatch-notifier-api", **{"api-tokens": _api_tokens()}),
        *(_secret(user, password=_token()) for user in ("duty-roster", "incident", "notifier")),
        _secret("dutywatch-cluster-ca-cert", **{"ca.crt": "-----BEGIN CERTIFICATE-----\n(the cluster CA)\n"}),
    ]
