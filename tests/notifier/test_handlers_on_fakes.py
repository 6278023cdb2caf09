"""The notifier's handlers against in-memory repositories: no database, no broker, no provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest

from schemas.broadcast import BroadcastSent
from schemas.duty import ShiftStarted
from schemas.incident import IncidentAssigned, IncidentReported, ReportDueSoon, ReportFiled
from schemas.notify import (
    AttemptFailed,
    NotificationAcknowledged,
    ReplyMeaning,
    ReplyReceived,
    RunStopped,
    RunSubject,
)
from schemas.values import ReportKind
from services.notifier.domain import RUN_KINDS, Contact, UnknownReplyLimit, load_policy_book
from services.notifier.domain.runs import NewRun, NewTrack, Run
from services.notifier.handlers.answers import on_inbound_sms
from services.notifier.handlers.assignments import on_incident_assigned
from services.notifier.handlers.escalation import fire_due_tracks
from services.notifier.handlers.filings import on_report_filed
from services.notifier.handlers.outcomes import on_status
from services.notifier.handlers.starts import on_broadcast_sent, on_incident_reported, on_report_due_soon
from services.notifier.ports import Ports
from services.notifier.testing import MemoryMetrics, MemoryOutgoing, memory_ports
from tests.notifier.factories import LEADER_PHONE, OFFICER_PHONE, incident_reported, person, unique_unit

POLICIES = load_policy_book(
    files("services.notifier").joinpath("policies/default.yaml").read_text(encoding="utf-8"), required=RUN_KINDS
)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def ports() -> Ports:
    return memory_ports(POLICIES)


def outgoing(ports: Ports) -> MemoryOutgoing:
    assert isinstance(ports.outgoing, MemoryOutgoing)
    return ports.outgoing


async def reported(ports: Ports) -> tuple[IncidentReported, Run]:
    event = incident_reported(unique_unit(), NOW)
    await on_incident_reported(event, ports, NOW)
    [run] = await ports.runs.runs_for_subject(RunSubject.INCIDENT, event.incident_id)
    return event, run


async def test_an_incident_run_first_texts_the_officer_a_reply_code_then_waits_five_minutes(ports: Ports) -> None:
    """The first step writes one SMS attempt to the officer, with a four-digit reply code, and moves the track on."""
    _, run = await reported(ports)
    assert await fire_due_tracks(ports, NOW, 100) == 1
    [attempt] = await ports.attempts.attempts_of(run.id)
    assert (attempt.to, attempt.channel, attempt.status) == (OFFICER_PHONE, "sms", "pending")
    assert attempt.reply_code is not None and len(attempt.reply_code) == 4
    [track] = await ports.tracks.tracks_of(run.id)
    assert (track.next_step, track.due_at) == (1, NOW + timedelta(minutes=5))
    assert await fire_due_tracks(ports, NOW + timedelta(minutes=4), 100) == 0


async def test_a_reply_with_the_code_acknowledges_and_a_retried_webhook_changes_nothing(ports: Ports) -> None:
    """The officer's reply stops the run and is announced; the same provider message again is ignored."""
    _, run = await reported(ports)
    await fire_due_tracks(ports, NOW, 100)
    [attempt] = await ports.attempts.attempts_of(run.id)
    assert attempt.reply_code is not None
    for _ in range(2):
        await on_inbound_sms(OFFICER_PHONE, attempt.reply_code, "SM-1", UnknownReplyLimit(), ports, NOW)
    assert (await ports.runs.run(run.id)).state == "acknowledged"
    [acknowledged] = outgoing(ports).of_type(NotificationAcknowledged)
    assert acknowledged.run_stopped and acknowledged.person_name == "王芳"
    assert [reply.meaning for reply in outgoing(ports).of_type(ReplyReceived)] == [ReplyMeaning.ACK]


async def test_a_failed_sms_is_reported_and_the_same_person_is_called_once(ports: Ports) -> None:
    """A failure callback records the failure, announces it, and adds one call that falls back from the SMS."""
    _, run = await reported(ports)
    await fire_due_tracks(ports, NOW, 100)
    [sms] = await ports.attempts.attempts_of(run.id)
    await on_status(sms.id, "failed", None, "30003", ports, NOW)
    await on_status(sms.id, "failed", None, "30003", ports, NOW)
    [failed] = outgoing(ports).of_type(AttemptFailed)
    assert failed.error_code == "30003" and not failed.permanent
    calls = [a for a in await ports.attempts.attempts_of(run.id) if a.channel == "voice"]
    assert [(call.to, call.fallback_of) for call in calls] == [(OFFICER_PHONE, sms.id)]


async def test_a_first_report_stops_the_alert_and_the_reminder_that_comes_after_it(ports: Ports) -> None:
    """The 首报 stops the open incident run; a 首报 reminder arriving afterwards starts no run."""
    event, run = await reported(ports)
    filed = ReportFiled(
        unit_id=event.unit_id, incident_id=event.incident_id, kind=ReportKind.FIRST, text="火已扑灭",
        filed_by="王芳", filed_at=NOW, late=False,
    )  # fmt: skip
    await on_report_filed(filed, ports, NOW)
    assert (await ports.runs.run(run.id)).state == "answered"
    assert [stopped.run_id for stopped in outgoing(ports).of_type(RunStopped)] == [run.id]
    due = ReportDueSoon(
        unit_id=event.unit_id, incident_id=event.incident_id, kind=ReportKind.FIRST,
        due_at=event.first_report_due_at, officer=event.officer, leader=event.leader,
    )  # fmt: skip
    await on_report_due_soon(due, ports, NOW)
    assert await ports.runs.runs_for_subject(RunSubject.REPORT_DUE, f"{event.incident_id}/first") == []


async def test_a_stranger_gets_one_help_answer(ports: Ports) -> None:
    """A text from a number nobody knows is announced as unknown and answered with help (a message run)."""
    await on_inbound_sms("+8613900000099", "你好", None, UnknownReplyLimit(), ports, NOW)
    [reply] = outgoing(ports).of_type(ReplyReceived)
    assert (reply.meaning, reply.unit_id) == (ReplyMeaning.UNKNOWN, "unknown")
    assert await ports.runs.answers_to_unit_since("unknown", NOW - timedelta(days=1)) == 1


async def test_a_step_that_cannot_fire_is_set_aside_and_counted(ports: Ports) -> None:
    """A run whose policy is gone waits five minutes before it is tried again; the failure is counted."""
    track = NewTrack("old-unit", "officer", {"officer": Contact("王芳", OFFICER_PHONE)})
    run_id = await ports.runs.add_run(NewRun("message", "old/1", "old-unit", "retired_kind", "旧", "旧", [track]), NOW)
    assert await fire_due_tracks(ports, NOW, 100) == 1
    assert isinstance(ports.metrics, MemoryMetrics) and ports.metrics.failed_policies == ["retired_kind"]
    [set_aside] = await ports.tracks.tracks_of(run_id)
    assert (set_aside.next_step, set_aside.due_at) == (0, NOW + timedelta(minutes=5))
    assert await ports.attempts.attempts_of(run_id) == []


async def test_a_handover_moves_the_open_alert_to_the_incoming_officer(ports: Ports) -> None:
    """After a reassignment the next steps reach the incoming officer; the leader, not reassigned, stays."""
    event, run = await reported(ports)
    incoming = person("zhao-lei", "赵磊", "+8613800138009")
    assigned = IncidentAssigned(
        unit_id=event.unit_id, incident_id=event.incident_id, officer=incoming, leader=None, reason="handover"
    )
    await on_incident_assigned(assigned, ports, NOW)
    [track] = await ports.tracks.tracks_of(run.id)
    assert track.contacts["officer"] == Contact("赵磊", "+8613800138009", "zhao-lei")
    assert track.contacts["leader"].phone == LEADER_PHONE


async def test_a_broadcast_is_recorded_and_reaches_each_unit_on_duty(ports: Ports) -> None:
    """One track per targeted unit with a shift, for its officer; the notice is on record."""
    units = [unique_unit(), unique_unit()]
    for n, unit_id in enumerate(units):
        officer = person(f"officer-{n}", f"值班员{n}", f"+861380013810{n}")
        shift = ShiftStarted(
            unit_id=unit_id, shift_id=f"{unit_id}/1", officer=officer, leader=person("l", "李强", LEADER_PHONE),
            starts_at=NOW, ends_at=NOW + timedelta(hours=24),
        )  # fmt: skip
        await ports.directory.shift_started(shift)
    sent = BroadcastSent(
        unit_id="bureau", broadcast_id="b-1", title="寒潮预警", text="请注意防寒", sent_by="市局",
        target_unit_ids=units, sent_at=NOW,
    )  # fmt: skip
    await on_broadcast_sent(sent, ports, NOW)
    recorded = await ports.broadcasts.broadcast("b-1")
    assert recorded is not None and recorded.target_unit_ids == units
    [run] = await ports.runs.runs_for_subject(RunSubject.BROADCAST, "b-1")
    tracks = await ports.tracks.tracks_of(run.id)
    assert sorted(track.contacts["recipient"].phone for track in tracks) == ["+8613800138100", "+8613800138101"]
