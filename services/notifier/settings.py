"""The notifier's settings, from `DUTYWATCH_NOTIFIER_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.notifier.adapters.aliyun.config import AliyunSettings
from services.runtime.secrets import secret_file
from services.runtime.settings import ApiTokens, SecretList, ServiceSettings, service_name_field

__all__ = ["CONSOLE_WEBHOOK_TOKEN_FILE", "Settings"]

# The embedded mode's console provider still has its replies signed: `dutywatch phone` signs them with the
# token the stack generated into this file of the data folder (Twilio's RequestValidator over the form).
CONSOLE_WEBHOOK_TOKEN_FILE = "webhook-token.txt"

ProviderName = Literal["console", "twilio", "aliyun"]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUTYWATCH_NOTIFIER_", env_nested_delimiter="__", extra="ignore", populate_by_name=True
    )

    service_name: str = service_name_field("notifier", env_prefix="DUTYWATCH_NOTIFIER_", formerly="CONSUMER_GROUP")
    http_port: int = Field(default=8103, description="Port of the notifier's HTTP API and webhooks.")
    api_tokens: ApiTokens = Field(
        default_factory=dict,
        description='JSON: name → {"token": …, "units": [unit ids whose runs it reads and to which it may '
        'broadcast]}; ["*"] for every unit (a broadcast to all needs it). Empty (embedded mode only): the admin '
        "token in <data_dir>/api-token.txt (made if missing).",
    )
    provider: ProviderName | None = Field(
        default=None, description="Default provider; unset: twilio when an account sid is set, else console."
    )
    domestic_provider: ProviderName | None = Field(
        default=None, description="Provider for +86 numbers; unset: aliyun when its AccessKey is set, else the default."
    )
    domestic_providers: list[ProviderName] = Field(
        default_factory=list,
        description='Providers for +86 numbers in order of preference, e.g. ["aliyun","twilio"]: one that keeps '
        "failing is set aside for a cool-down and the next carries the messages. Empty: [domestic_provider].",
    )
    failover_failures: int = Field(
        default=3, ge=1, description="Failures within failover_window_s that set a provider aside."
    )
    failover_window_s: float = Field(default=60.0, gt=0, description="The window those failures are counted in.")
    failover_cool_down_s: float = Field(
        default=120.0, gt=0, description="How long a failing provider is set aside before it is tried again."
    )
    aliyun: AliyunSettings = Field(
        default_factory=AliyunSettings, description="Aliyun SMS and voice, from DUTYWATCH_NOTIFIER_ALIYUN__* variables."
    )
    twilio_account_sid: str = Field(default="", description="Twilio account sid (AC…).")
    twilio_auth_tokens: SecretList = Field(
        default_factory=list,
        description="Auth tokens, comma-separated; the first is used for API calls, all are accepted on webhooks.",
    )
    twilio_from_number: str = Field(default="", description="The number SMS and calls come from (E.164).")
    twilio_api_base_url: str = Field(default="", description="Twilio API base URL; empty: Twilio's own.")
    public_url: str = Field(
        default="http://127.0.0.1:8103", description="Base URL the webhooks are reached at (signatures cover it)."
    )
    broadcast_unit_id: str | None = Field(
        default=None, description="The bureau a broadcast is sent from; unset: the one top unit of the unit directory."
    )
    policy_file: Path | None = Field(default=None, description="Escalation policies YAML; unset: the shipped default.")
    sweep_every_s: float = Field(default=0.5, gt=0, description="How often due steps and attempts are fired.")
    dispatch_lease_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a claimed attempt is left to its dispatcher before another retries it; a live dispatcher "
            "renews it every third of this while the provider is still being asked."
        ),
    )
    provider_attempts: int = Field(default=4, ge=1, description="Tries per provider request on retryable errors.")
    dispatch_concurrency: int = Field(
        default=50,
        ge=1,
        description="Provider requests in flight at once; above an account's limit the provider answers 429 (retried).",
    )
    stuck_after_s: float = Field(default=120.0, gt=0, description="A message still `sent` after this is polled.")

    @property
    def default_provider(self) -> ProviderName:
        if self.provider is not None:
            return self.provider
        return "twilio" if self.twilio_account_sid else "console"

    def webhook_tokens(self) -> list[str]:
        """Tokens a Twilio webhook signature may be made with: the auth tokens; without them, in the embedded
        mode, the generated console token. None: the Twilio webhook routes are not mounted."""
        if self.twilio_auth_tokens:
            return [token.get_secret_value() for token in self.twilio_auth_tokens]
        if self.embedded:
            return [secret_file(self.data_dir / CONSOLE_WEBHOOK_TOKEN_FILE, "console webhook token")]
        return []

    def required_secrets(self) -> list[str]:
        twilio = ["twilio_auth_tokens"] if self.twilio_account_sid else []
        aliyun = [f"aliyun.{path}" for path in self.aliyun.required_secrets()]
        return ["api_tokens", *twilio, *aliyun, *super().required_secrets()]

    @property
    def domestic_route(self) -> list[ProviderName]:
        """The providers +86 numbers go to, first choice first."""
        if self.domestic_providers:
            return list(self.domestic_providers)
        if self.domestic_provider is not None:
            return [self.domestic_provider]
        return ["aliyun"] if self.aliyun.configured else [self.default_provider]
