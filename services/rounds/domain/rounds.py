"""A round: planned, due (its assignee has its code), then reported or missed. Timers are the round's `next_at`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemas.values import Person
from services.rounds.domain.plans import RoundKind

__all__ = ["Round", "RoundState", "Step"]


class RoundState(StrEnum):
    PLANNED = "planned"
    DUE = "due"
    REPORTED = "reported"
    MISSED = "missed"


class Step(StrEnum):
    """What a round's timer does when it fires."""

    FALL_DUE = "fall_due"
    MISS = "miss"


@dataclass
class Round:
    id: str
    plan_id: str
    unit_id: str
    kind: RoundKind
    title: str
    due_at: datetime
    deadline: datetime
    state: RoundState = RoundState.PLANNED
    code: str | None = None
    assignee: Person | None = None
    reported_at: datetime | None = None
    reported_by: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    late: bool = False
    persons: list[dict[str, Any]] = field(default_factory=list)
    hazard_ids: list[str] = field(default_factory=list)

    @property
    def next_at(self) -> datetime | None:
        """When its timer fires next; None once reported or missed."""
        return {RoundState.PLANNED: self.due_at, RoundState.DUE: self.deadline}.get(self.state)

    @property
    def step(self) -> Step | None:
        return {RoundState.PLANNED: Step.FALL_DUE, RoundState.DUE: Step.MISS}.get(self.state)

    @property
    def reported(self) -> bool:
        return self.state is RoundState.REPORTED or self.reported_at is not None

    def fall_due(self, code: str, assignee: Person | None) -> None:
        self.state, self.code, self.assignee = RoundState.DUE, code, assignee

    def miss(self) -> None:
        self.state = RoundState.MISSED

    def report(self, now: datetime, by: str, results: list[dict[str, Any]], note: str) -> None:
        """Record the result; a missed round reported afterwards is kept, marked late."""
        self.late = self.state is RoundState.MISSED or now > self.deadline
        self.state, self.reported_at, self.reported_by = RoundState.REPORTED, now, by
        self.results, self.note = results, note
