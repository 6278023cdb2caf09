"""The rounds service's settings: env `DUTYWATCH_ROUNDS_…` (nested with `__`, e.g. `…_KAFKA__BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemas.rounds import HazardClass
from services.duty_roster.adapters.holidays_file import DEFAULT_HOLIDAYS_FILE, load_calendar
from services.rounds.adapters.plans_file import load_plans
from services.rounds.domain import CapSeverity, HazardPolicy
from services.rounds.handlers import Rules
from services.runtime.settings import ApiTokens, ServiceSettings, UnhurriedKafkaSettings, service_name_field

__all__ = ["Settings"]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUTYWATCH_ROUNDS_", env_nested_delimiter="__", extra="ignore")

    http_port: int = Field(default=8104, description="Port the HTTP API listens on.")
    kafka: UnhurriedKafkaSettings = Field(default_factory=UnhurriedKafkaSettings)
    service_name: str = service_name_field("rounds")
    api_tokens: ApiTokens = Field(
        default_factory=dict,
        description='JSON: name → {"token": …, "units": [unit ids it may act for]}; ["*"] for every unit. '
        "Empty (embedded mode only): the admin token in <data_dir>/api-token.txt (made if missing).",
    )
    plans_file: Path | None = Field(
        default=None, description="The plans file (YAML, beside the roster); unset: no plans. Checked at start."
    )
    holidays_file: Path = Field(
        default=DEFAULT_HOLIDAYS_FILE, description="Holidays and make-up working days for years chinese-calendar lacks."
    )
    horizon_hours: float = Field(default=24, gt=0, description="How far ahead rounds are planned as timer rows.")
    hazard_immediate_hours: float = Field(default=2, gt=0, description="Deadline of a 当即 (at once) hazard.")
    leave_grace_minutes: float = Field(
        default=30, ge=0, description="After a resident's expected return: then a missing-resident incident."
    )
    warning_level: Literal["Minor", "Moderate", "Severe", "Extreme"] = Field(
        default="Moderate", description="CAP severity at or above which a warning is broadcast to the units."
    )
    warning_ack_minutes: float = Field(
        default=30, gt=0, description="A unit not acknowledging a warning by then is escalated to its leader."
    )
    spot_checks_per_shift: dict[str, float] = Field(
        default_factory=dict, description='JSON: unit id → spot checks (查岗) per shift on average; "*" for every unit.'
    )
    spot_check_answer_minutes: float = Field(default=10, gt=0, description="How long a spot check waits for key 1.")
    sweep_every_s: float = Field(default=2.0, gt=0, description="How often due rounds and other timers are swept.")
    plan_every_s: float = Field(default=60.0, gt=0, description="How often rounds are planned ahead from the plans.")

    def rules(self) -> Rules:
        """The rules with the plans file read and checked: a bad file stops the service here, naming each line."""
        hazards = HazardPolicy()
        limits = {**hazards.limits, HazardClass.IMMEDIATE: timedelta(hours=self.hazard_immediate_hours)}
        return Rules(
            book=load_plans(self.plans_file),
            calendar=load_calendar(self.holidays_file),
            horizon=timedelta(hours=self.horizon_hours),
            hazards=HazardPolicy(limits),
            leave_grace=timedelta(minutes=self.leave_grace_minutes),
            warning_level=CapSeverity[self.warning_level.upper()],
            warning_ack_within=timedelta(minutes=self.warning_ack_minutes),
            spot_checks_per_shift=dict(self.spot_checks_per_shift),
            spot_check_answer_within=timedelta(minutes=self.spot_check_answer_minutes),
        )

    def required_secrets(self) -> list[str]:
        return ["api_tokens", *super().required_secrets()]
