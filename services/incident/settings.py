"""The incident service's settings: env `DUTYWATCH_INCIDENT_…` (nested with `__`, e.g. `…_KAFKA__BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemas.values import Severity
from services.incident.domain import DedupPolicy, ReportPolicy, SignOffPolicy
from services.incident.handlers import Rules
from services.runtime.settings import ApiTokens, ServiceSettings, UnhurriedKafkaSettings, service_name_field

__all__ = ["Settings"]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUTYWATCH_INCIDENT_", env_nested_delimiter="__", extra="ignore")

    http_port: int = Field(default=8102, description="Port the HTTP API listens on.")
    kafka: UnhurriedKafkaSettings = Field(default_factory=UnhurriedKafkaSettings)
    service_name: str = service_name_field("incident")
    api_tokens: ApiTokens = Field(
        default_factory=dict,
        description='JSON: name → {"token": …, "units": [unit ids it may report for]}; ["*"] for a system allowed '
        "everywhere. Empty (embedded mode only): one admin token is generated into <data_dir>/api-token.txt.",
    )
    first_report_minutes: int = Field(default=60, ge=1, description="首报 deadline after the event, grades III/IV.")
    major_first_report_minutes: int = Field(default=30, ge=1, description="首报 deadline for grades I and II.")
    warn_before_minutes: int = Field(default=15, ge=0, description="Warn officer and leader this long before.")
    follow_up_every_hours: float = Field(
        default=2.0,
        ge=0,
        description="续报 due this often after the 首报 for grades I and II, until the 终报; 0: never.",
    )
    sign_off_units: list[str] = Field(
        default_factory=list,
        description='JSON: units whose 首报 waits for the duty leader\'s 签发, ["*"] for all. Empty: none.',
    )
    sign_off_margin_minutes: int = Field(
        default=15, ge=0, description="This long before the 首报 deadline an unsigned one goes out marked 未经签发."
    )
    dedup_window_minutes: int = Field(default=60, ge=0, description="Same unit and type this close: one incident.")
    sweep_every_s: float = Field(default=5.0, gt=0, description="How often due report deadlines are swept.")

    def required_secrets(self) -> list[str]:
        return ["api_tokens", *super().required_secrets()]

    def rules(self) -> Rules:
        limits = {
            severity: timedelta(
                minutes=self.major_first_report_minutes if severity.is_major else self.first_report_minutes
            )
            for severity in Severity
        }
        return Rules(
            report=ReportPolicy(
                limits=limits,
                warn_before=timedelta(minutes=self.warn_before_minutes),
                follow_up_every=timedelta(hours=self.follow_up_every_hours) if self.follow_up_every_hours else None,
            ),
            dedup=DedupPolicy(window=timedelta(minutes=self.dedup_window_minutes)),
            sign_off=SignOffPolicy.of(self.sign_off_units, self.sign_off_margin_minutes),
        )
