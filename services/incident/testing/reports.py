"""In-memory deadlines, reports with their deliveries, and 首报 drafts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.values import Channel, Recipient, ReportKind
from services.incident.domain import Deadline, Delivery, Draft, Firing, Report

__all__ = ["MemoryDeadlines", "MemoryDrafts", "MemoryReports"]


@dataclass
class _Row:
    deadline: Deadline
    settled_at: datetime | None = None
    outcome: str | None = None


class MemoryDeadlines:
    def __init__(self) -> None:
        self.rows: list[_Row] = []

    async def add(self, deadlines: Sequence[Deadline]) -> None:
        for deadline in deadlines:
            self.rows.append(_Row(dataclasses.replace(deadline, id=len(self.rows) + 1)))

    async def claim_due(self, now: datetime, limit: int) -> list[Deadline]:
        due = [row.deadline for row in self.rows if row.settled_at is None and row.deadline.due_at <= now]
        return sorted(due, key=lambda deadline: (deadline.due_at, deadline.id or 0))[:limit]

    async def settle(self, deadline_id: int, now: datetime, outcome: Firing) -> None:
        for row in self.rows:
            if row.deadline.id == deadline_id and row.settled_at is None:
                row.settled_at, row.outcome = now, outcome.value

    async def settle_open(
        self, incident_id: str, now: datetime, outcome: Firing, kinds: Sequence[ReportKind] | None = None
    ) -> None:
        for row in self.rows:
            mine = row.deadline.incident_id == incident_id and row.settled_at is None
            if mine and (kinds is None or row.deadline.report_kind in kinds):
                row.settled_at, row.outcome = now, outcome.value

    async def of_incident(self, incident_id: str) -> list[tuple[Deadline, datetime | None, str | None]]:
        return [
            (row.deadline, row.settled_at, row.outcome) for row in self.rows if row.deadline.incident_id == incident_id
        ]


class MemoryReports:
    def __init__(self) -> None:
        self.reports: list[Report] = []
        self.deliveries: list[Delivery] = []

    async def add(self, report: Report, recipients: Sequence[Recipient]) -> Report:
        stored = dataclasses.replace(report, id=len(self.reports) + 1)
        self.reports.append(stored)
        self.deliveries.extend(Delivery(stored.id or 0, recipient) for recipient in recipients)
        return stored

    async def of_incident(self, incident_id: str) -> list[tuple[Report, list[Delivery]]]:
        return [
            (report, [each for each in self.deliveries if each.report_id == report.id])
            for report in self.reports
            if report.incident_id == incident_id
        ]

    async def record_delivery(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        index = self._latest(incident_id, kind, phone, lambda delivery: delivery.delivered_at is None)
        if index is None:
            return None
        self.deliveries[index] = dataclasses.replace(self.deliveries[index], delivered_at=at, channel=channel)
        return self.deliveries[index]

    async def record_acknowledgement(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        index = self._latest(incident_id, kind, phone, lambda delivery: delivery.acknowledged_at is None)
        if index is None:
            return None
        delivery = self.deliveries[index]
        self.deliveries[index] = dataclasses.replace(
            delivery, acknowledged_at=at, delivered_at=delivery.delivered_at or at, channel=delivery.channel or channel
        )
        return self.deliveries[index]

    def _latest(
        self, incident_id: str, kind: ReportKind, phone: str, pending: Callable[[Delivery], bool]
    ) -> int | None:
        report_ids = {r.id for r in self.reports if r.incident_id == incident_id and r.kind is kind}
        for index in range(len(self.deliveries) - 1, -1, -1):
            delivery = self.deliveries[index]
            if delivery.report_id in report_ids and delivery.recipient.phone == phone and pending(delivery):
                return index
        return None


class MemoryDrafts:
    def __init__(self) -> None:
        self.drafts: dict[str, Draft] = {}

    async def add(self, draft: Draft) -> None:
        self.drafts[draft.id] = draft

    async def pending_of(self, incident_id: str) -> Draft | None:
        return self._newest(lambda each: each.incident_id == incident_id)

    async def pending_by_code(self, unit_id: str, code: str) -> Draft | None:
        return self._newest(lambda each: each.unit_id == unit_id and each.code == code)

    async def settle(self, draft_id: str, state: str) -> None:
        draft = self.drafts[draft_id]
        if draft.state == "pending":
            self.drafts[draft_id] = dataclasses.replace(draft, state=state)

    def _newest(self, matches: Callable[[Draft], bool]) -> Draft | None:
        pending = [each for each in self.drafts.values() if each.state == "pending" and matches(each)]
        return max(pending, key=lambda each: each.drafted_at, default=None)
