"""The official 突发事件信息报告 form: what a 首报, 续报 or 终报 says, field by field.

Carried by `ReportFiled` v2 and taken by the incident API; a 续报 adds 进展, a 终报 adds 处置结果 and 善后.
"""

from __future__ import annotations

from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas.values import IncidentType, PhoneNumber, ReportKind, Severity

__all__ = ["Casualties", "ReportForm"]


class Casualties(BaseModel):
    """伤亡: people, as far as known when the report is written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dead: int = Field(default=0, ge=0, le=100000, description="死亡.")
    injured: int = Field(default=0, ge=0, le=100000, description="受伤.")
    missing: int = Field(default=0, ge=0, le=100000, description="失踪.")
    trapped: int = Field(default=0, ge=0, le=100000, description="被困.")

    @property
    def none(self) -> bool:
        return not (self.dead or self.injured or self.missing or self.trapped)


class ReportForm(BaseModel):
    """突发事件信息报告. Field names are English; each description gives the form's own heading."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ReportKind = Field(description="首报, 续报 or 终报.")
    reporting_unit: str = Field(min_length=1, max_length=100, description="报告单位.")
    occurred_at: AwareDatetime = Field(description="事发时间.")
    location: str = Field(min_length=1, max_length=200, description="事发地点.")
    type: IncidentType = Field(description="事件类型.")
    severity: Severity = Field(description="事件等级.")
    casualties: Casualties = Field(default_factory=Casualties, description="伤亡（死亡、受伤、失踪、被困）.")
    situation: str = Field(min_length=1, max_length=2000, description="基本情况.")
    measures: str = Field(min_length=1, max_length=2000, description="已采取的处置措施.")
    next_steps: str = Field(min_length=1, max_length=2000, description="下一步工作.")
    reporter: str = Field(min_length=1, max_length=100, description="报告人.")
    phone: PhoneNumber = Field(description="联系电话.")
    signed_by: str | None = Field(default=None, max_length=100, description="签发领导; empty until signed.")
    progress: str | None = Field(default=None, max_length=2000, description="进展 (续报 and 终报).")
    outcome: str | None = Field(default=None, max_length=2000, description="处置结果 (终报).")
    aftermath: str | None = Field(default=None, max_length=2000, description="善后 (终报).")

    @model_validator(mode="after")
    def _kind_has_its_fields(self) -> Self:
        required = {ReportKind.FOLLOW_UP: ("progress",), ReportKind.FINAL: ("outcome", "aftermath")}
        for name in required.get(self.kind, ()):
            if not getattr(self, name):
                raise ValueError(f"{name} is required in a {self.kind.value} ({self.kind.label})")
        return self
