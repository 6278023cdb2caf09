"""The board's settings: env `DUTYWATCH_BOARD_…` (nested with `__`, e.g. `…_KAFKA__BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ApiTokens, ServiceSettings, UnhurriedKafkaSettings, service_name_field

__all__ = ["Settings"]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUTYWATCH_BOARD_", env_nested_delimiter="__", extra="ignore")

    http_port: int = Field(default=8100, description="Port the web pages are served on.")
    kafka: UnhurriedKafkaSettings = Field(default_factory=UnhurriedKafkaSettings)
    service_name: str = service_name_field("board")
    api_tokens: ApiTokens = Field(
        default_factory=dict,
        description='JSON: name → {"token": …, "units": [unit ids]}, the same tokens the incident and notifier APIs '
        'take (a login shows those units; the city bureau\'s ["*"] shows all). Empty (embedded mode only): the '
        "admin token in <data_dir>/api-token.txt.",
    )
    incident_url: str = Field(default="http://127.0.0.1:8102", description="The incident service's API.")
    notifier_url: str = Field(default="http://127.0.0.1:8103", description="The notifier's API.")
    roster_url: str = Field(default="http://127.0.0.1:8101", description="The duty roster's API.")
    session_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Signs the session cookie and calendar links. Empty: one is made in <data_dir>/board-secret.txt.",
    )
    feed_token: SecretStr = Field(
        default=SecretStr(""),
        description="API token the calendar feeds read the roster with (nobody is logged in). Empty: the admin token.",
    )
    secure_cookies: bool = Field(default=False, description="Send the session cookie over HTTPS only.")
    refresh_s: int = Field(default=5, ge=1, description="How often the pages refresh what they show.")

    def required_secrets(self) -> list[str]:
        return ["api_tokens", "session_secret", "feed_token", *super().required_secrets()]
