"""The roster service's settings: env `DUTYWATCH_ROSTER_…`, nested with `__` (DUTYWATCH_ROSTER_KAFKA__…)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.duty_roster.adapters.holidays_file import DEFAULT_HOLIDAYS_FILE
from services.runtime.settings import ApiTokens, ServiceSettings, UnhurriedKafkaSettings, service_name_field

__all__ = ["SERVICE", "Settings"]

SERVICE = "duty_roster"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUTYWATCH_ROSTER_", env_nested_delimiter="__", extra="ignore", populate_by_name=True
    )

    service_name: str = service_name_field(SERVICE, env_prefix="DUTYWATCH_ROSTER_", formerly="NAME")
    http_port: int = Field(default=8101, description="Port the HTTP API listens on.")
    kafka: UnhurriedKafkaSettings = Field(default_factory=UnhurriedKafkaSettings)
    api_tokens: ApiTokens = Field(
        default_factory=dict,
        description='JSON: name → {"token": …, "units": [unit ids it reads and enters overrides for]}; ["*"] for '
        "every unit. Empty (embedded mode only): the admin token in <data_dir>/api-token.txt (made if missing).",
    )
    holidays_file: Path = Field(
        default=DEFAULT_HOLIDAYS_FILE, description="Holidays and make-up working days for years chinese-calendar lacks."
    )
    check_in_lead_minutes: float = Field(default=30, ge=0, description="How long before a shift the check-in is asked.")
    check_in_grace_minutes: float = Field(default=15, ge=0, description="How long after the start a check-in counts.")
    sweep_seconds: float = Field(default=5, gt=0, description="How often handovers and check-in timers are swept.")

    def required_secrets(self) -> list[str]:
        return ["api_tokens", *super().required_secrets()]

    @property
    def check_in_lead(self) -> timedelta:
        return timedelta(minutes=self.check_in_lead_minutes)

    @property
    def check_in_grace(self) -> timedelta:
        return timedelta(minutes=self.check_in_grace_minutes)

    @property
    def database(self) -> str:
        """The roster's own database: the service and `dutywatch roster import` resolve it the same way."""
        return self.store_url(SERVICE)
