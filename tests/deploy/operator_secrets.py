"""The Secrets the prod overlay leaves to others: those the operator creates (deploy/README.md, "Secrets"), and
those Strimzi's operators make (each KafkaUser's password, the cluster CA), with freshly generated values."""

from __future__ import annotations

import json
import secrets

from schemas.topics import ACCESS
from tests.deploy.manifests import Manifest

__all__ = ["KAFKA_USERS", "STRIMZI_MADE", "operator_secrets"]

# Each service's KafkaUser (kafka/users.yaml), named as ACCESS names the service, with `-` for `_`.
KAFKA_USERS = tuple(service.replace("_", "-") for service in ACCESS)
# The Secrets Strimzi's operators make: a password per KafkaUser, and the cluster CA.
STRIMZI_MADE = frozenset({*KAFKA_USERS, "dutywatch-cluster-ca-cert"})


def _secret(name: str, **values: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "stringData": values}


def _token() -> str:
    return secrets.token_urlsafe(24)


def _api_tokens(token: str) -> str:
    return json.dumps({"bureau": {"token": token, "units": ["*"]}})


def operator_secrets() -> list[Manifest]:
    # A board login's token goes to the incident, notifier and roster APIs, and the calendar feeds read the roster:
    # the bureau's token is in all three (deploy/README.md, "Secrets").
    bureau = _token()
    database = "postgresql+asyncpg://{0}:" + _token() + "@postgresql.example.internal:5432/{0}"
    return [
        _secret(
            "dutywatch-database",
            **{f"{name.replace('_', '-')}-url": database.format(name) for name in ACCESS},
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
        _secret("dutywatch-roster-api", **{"api-tokens": _api_tokens(bureau)}),
        _secret("dutywatch-incident-api", **{"api-tokens": _api_tokens(bureau)}),
        _secret("dutywatch-notifier-api", **{"api-tokens": _api_tokens(bureau)}),
        _secret("dutywatch-rounds-api", **{"api-tokens": _api_tokens(_token())}),
        _secret("dutywatch-board", **{"session-secret": _token(), "feed-token": bureau}),
        *(_secret(user, password=_token()) for user in KAFKA_USERS),
        _secret("dutywatch-cluster-ca-cert", **{"ca.crt": "-----BEGIN CERTIFICATE-----\n(the cluster CA)\n"}),
    ]
