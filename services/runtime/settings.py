"""Settings every service shares; each service's `settings.py` subclasses ServiceSettings with its own prefix."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "ApiToken",
    "ApiTokens",
    "CommaSeparated",
    "KafkaSettings",
    "SecretList",
    "ServiceSettings",
    "UnhurriedKafkaSettings",
    "service_name_field",
]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]
"""A list setting written as `a,b,c` in the environment."""

SecretList = Annotated[list[SecretStr], NoDecode, BeforeValidator(_split_commas)]
"""Secrets written as `a,b,c` in the environment (several, for rotation); never shown in a repr or a log."""


class ApiToken(BaseModel):
    """One bearer token of an HTTP API: the secret, and the units it may act for (`*`: every unit)."""

    token: SecretStr = Field(description="The bearer token; at least 24 characters.")
    units: list[str] = Field(min_length=1, description='Unit ids; ["*"] for every unit.')


def _named_tokens(value: object) -> object:
    """The older form `{"<token>": ["<unit>", …]}` still reads: each token is named by a digest of itself."""
    if not isinstance(value, dict):
        return value
    return {
        (f"sha256:{hashlib.sha256(name.encode()).hexdigest()[:12]}" if isinstance(grant, list) else name): (
            {"token": name, "units": grant} if isinstance(grant, list) else grant
        )
        for name, grant in value.items()
    }


ApiTokens = Annotated[dict[str, ApiToken], BeforeValidator(_named_tokens)]
"""Name → token and units, e.g. `{"fuli-home": {"token": "…", "units": ["fuli-home"]}}`."""


class KafkaSettings(BaseModel):
    """The broker, and how every client the service makes (producer, consumer, admin) reaches it: plaintext for
    the embedded broker, TLS with SCRAM-SHA-512 for Strimzi's listener."""

    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap address.")
    idempotent_producer: bool = Field(
        default=False, description="Turn on for Apache Kafka; the embedded broker does not support it."
    )
    request_timeout_ms: int = Field(
        default=15000, ge=1000, description="How long the outbox relay waits for the broker."
    )
    log_check_every_s: float = Field(
        default=5.0,
        gt=0,
        description="How often the outbox relay asks the broker whether it lost what was published (a new cluster "
        "id, a log ending before a recorded batch); after a failed publish it asks before the next one anyway.",
    )
    linger_ms: int = Field(default=0, ge=0, description="Producer batching delay.")
    fetch_max_wait_ms: int = Field(
        default=20,
        ge=0,
        description="How long a fetch waits for data. The embedded broker answers only when the wait runs out, "
        "so this is the latency of each hop there; on Apache Kafka, which answers as data arrives, 500 is fine.",
    )
    consumer_retries: int = Field(default=3, ge=1, description="Handler attempts before a message goes to the DLQ.")
    outbox_retention_hours: float = Field(
        default=24,
        gt=0,
        description="How long a published event is kept, to be published again to a broker that lost its log "
        "(the embedded broker, restarted).",
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="PLAINTEXT for the embedded broker; SASL_SSL for Strimzi's TLS listener."
    )
    ssl_cafile: Path | None = Field(default=None, description="CA bundle the broker's certificate is checked against.")
    ssl_certfile: Path | None = Field(default=None, description="Client certificate (PEM), for mutual TLS.")
    ssl_keyfile: Path | None = Field(default=None, description="The client certificate's private key (PEM).")
    ssl_key_password: SecretStr = Field(default=SecretStr(""), description="The private key's password, if any.")
    sasl_mechanism: Literal["", "SCRAM-SHA-512", "PLAIN"] = Field(
        default="", description="SASL mechanism; empty: none."
    )
    sasl_username: str = Field(default="", description="SASL user (the service's KafkaUser).")
    sasl_password: SecretStr = Field(default=SecretStr(""), description="SASL password.")

    @model_validator(mode="after")
    def _security_fits(self) -> KafkaSettings:
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and not (self.sasl_mechanism and self.sasl_username):
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_mechanism and sasl_username")
        if self.sasl_mechanism and not sasl:
            raise ValueError(
                f"sasl_mechanism {self.sasl_mechanism} needs security_protocol SASL_SSL (or SASL_PLAINTEXT)"
            )
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("a client certificate needs its key: set both ssl_certfile and ssl_keyfile")
        return self


class UnhurriedKafkaSettings(KafkaSettings):
    """The broker settings of a service whose consumers no officer's first SMS waits on: every service but the
    notifier. A report that comes over Kafka rather than HTTP reaches the incident service up to the wait later."""

    fetch_max_wait_ms: int = Field(
        default=100,
        ge=0,
        description="How long a fetch waits for data. Longer than the notifier's: the embedded broker answers only "
        "when the wait runs out, so each fetch brings a larger batch, handled in one transaction, and the broker "
        "answers fewer fetches.",
    )


class ServiceSettings(BaseSettings):
    """What every service is told: where its data, broker and HTTP port are. Env: `<PREFIX>KAFKA__…` etc."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Folder for SQLite files and the console outbox.")
    database_url: str = Field(default="", description="SQLAlchemy async URL; empty: a SQLite file in data_dir.")
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API listens on.")
    http_port: int = Field(default=8100, description="Port the HTTP API listens on.")
    log_json: bool | None = Field(default=None, description="JSON log lines; default: when not on a terminal.")
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest HTTP request body; a larger one is answered 413 unread."
    )
    embedded: bool = Field(
        default=False,
        description="The development mode of `dutywatch up`, which sets it: secrets left empty are generated into "
        "data_dir. Off (production): the service refuses to start with an empty, short or placeholder secret.",
    )
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)

    def required_secrets(self) -> list[str]:
        """Dotted paths of the secrets this configuration needs: left empty, a production start is refused."""
        return ["kafka.sasl_password"] if self.kafka.sasl_mechanism else []

    def store_url(self, service: str) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / (service + '.sqlite3')}"


def service_name_field(default: str, *, env_prefix: str = "", formerly: str = "") -> Any:
    """The `service_name` setting every service has (`DUTYWATCH_<SERVICE>_SERVICE_NAME`), defaulting to its name.

    `formerly`: the variable's old name (after `env_prefix`), still read: a deployment that set it and were started
    under the default name instead would join a new consumer group and inbox, and handle the retained log again."""
    description = "Consumer group, inbox consumer and envelope producer."
    if not formerly:
        return Field(default=default, min_length=1, description=description)
    names = AliasChoices(f"{env_prefix}SERVICE_NAME", f"{env_prefix}{formerly}")
    description += f" Formerly `{env_prefix}{formerly}`, still read."
    return Field(default=default, min_length=1, description=description, validation_alias=names)
