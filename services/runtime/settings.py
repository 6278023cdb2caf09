"""Settings every service shares; each service's `settings.py` subclasses ServiceSettings with its own prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["CommaSeparated", "KafkaSettings", "ServiceSettings"]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]
"""A list setting written as `a,b,c` in the environment (tokens, for rotation)."""


class KafkaSettings(BaseModel):
    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap address.")
    idempotent_producer: bool = Field(
        default=False, description="Turn on for Apache Kafka; the embedded broker does not support it."
    )
    request_timeout_ms: int = Field(
        default=15000, ge=1000, description="How long the outbox relay waits for the broker."
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


class ServiceSettings(BaseSettings):
    """What every service is told: where its data, broker and HTTP port are. Env: `<PREFIX>KAFKA__…` etc."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Folder for SQLite files and the console outbox.")
    database_url: str = Field(default="", description="SQLAlchemy async URL; empty: a SQLite file in data_dir.")
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API listens on.")
    http_port: int = Field(default=8100, description="Port the HTTP API listens on.")
    log_json: bool | None = Field(default=None, description="JSON log lines; default: when not on a terminal.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)

    def store_url(self, service: str) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / (service + '.sqlite3')}"
