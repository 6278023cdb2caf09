"""Leader sign-off (签发): a unit's drafted 首报 waits for its duty leader, but never past the one-hour rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.incident import ReportDueSoon, ReportFiled
from schemas.notify import DeliverReport, PlaceCall, SendSms, TextReceived
from schemas.values import Origin, ReportKind
from services.incident import handlers
from services.incident.domain import Draft, SignOffPolicy, Source, TimelineKind
from services.incident.handlers import Rules
from services.incident.ports import Ports
from tests.incident.builders import LEADER, OFFICER, report, report_body
from tests.incident.conftest import T0, Running
from tests.incident.test_handlers import kinds, seeded, sent

SIGNING = Rules(sign_off=SignOffPolicy.of(["home"], 15))
DRAFTED_AT = T0 + timedelta(minutes=10)


async def drafted(ports: Ports) -> Draft:
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, SIGNING, T0)
    draft = await handlers.submit_report(
        taken.incident.id, ReportKind.FIRST, "火已扑灭，无人员伤亡", "王芳", Source.HTTP, ports, SIGNING, DRAFTED_AT
    )
    assert isinstance(draft, Draft)
    return draft


def from_phone(phone: str, body: str) -> TextReceived:
    return TextReceived(unit_id="home", **{"from": phone}, text=body, received_at=DRAFTED_AT)


async def test_a_drafted_first_report_waits_for_the_leader_and_goes_out_on_his_sms_sign_off() -> None:
    """Nothing reaches the recipients until 李强 replies `签发 NNNN`; then the 首报 goes out naming him."""
    ports = await seeded()
    draft = await drafted(ports)
    assert sent(ports).of_type(DeliverReport) == []
    [ask] = [each for each in sent(ports).of_type(SendSms) if each.reason == "sign-off"]
    assert ask.to == LEADER.phone and f"签发 {draft.code}" in ask.text
    signed_at = DRAFTED_AT + timedelta(minutes=5)
    await handlers.on_text_received(from_phone(LEADER.phone, f"签发 {draft.code}"), ports, SIGNING, signed_at)
    [filed] = sent(ports).of_type(ReportFiled)
    assert filed.unsigned is False and "签发领导：李强" in filed.text and filed.filed_at == signed_at
    assert len(sent(ports).of_type(DeliverReport)) == 1
    assert TimelineKind.REPORT_DRAFTED in await kinds(ports, draft.incident_id)
    assert await handlers.fire_due_deadlines(ports, T0 + timedelta(hours=2), rules=SIGNING) == 0


async def test_without_sign_off_15_minutes_before_the_deadline_it_goes_out_unsigned_and_the_leader_is_called() -> None:
    """The one-hour rule wins: at 10:45 the draft goes out marked 未经签发, on time, and 李强 is called; nobody
    is warned the 首报 is due."""
    ports = await seeded()
    draft = await drafted(ports)
    assert await handlers.fire_due_deadlines(ports, T0 + timedelta(minutes=44), rules=SIGNING) == 0
    assert await handlers.fire_due_deadlines(ports, T0 + timedelta(minutes=45), rules=SIGNING) == 1
    assert sent(ports).of_type(ReportDueSoon) == []  # the warning due at the same time is moot
    [filed] = sent(ports).of_type(ReportFiled)
    assert filed.unsigned and filed.text.endswith("（未经签发）") and filed.late is False
    [call] = sent(ports).of_type(PlaceCall)
    assert call.to == LEADER.phone and "未经您签发" in call.script
    incident = await ports.incidents.get(draft.incident_id)
    assert incident is not None and incident.first_reported_at == T0 + timedelta(minutes=45)


async def test_only_the_leader_signs_and_only_a_waiting_code() -> None:
    """The officer's `签发 NNNN` and an unknown code are answered with why, and nothing goes out."""
    ports = await seeded()
    draft = await drafted(ports)
    await handlers.on_text_received(from_phone(OFFICER.phone, f"签发 {draft.code}"), ports, SIGNING, DRAFTED_AT)
    await handlers.on_text_received(
        from_phone(LEADER.phone, f"签发 {(int(draft.code) + 1) % 10000:04d}"), ports, SIGNING, DRAFTED_AT
    )
    answers = [each.text for each in sent(ports).of_type(SendSms) if each.reason == "sms refused"]
    assert any("须由带班领导李强签发" in each for each in answers)
    assert any("没有待签发的首报" in each for each in answers)
    assert sent(ports).of_type(ReportFiled) == []


@pytest.mark.postgres
async def test_a_draft_over_http_is_a_202_and_the_leaders_sign_off_sends_it(running: Running) -> None:
    """On each database: POST …/reports answers 202 with the draft; POST …/sign-off sends it (201)."""
    running.backend.rules = SIGNING
    headers = running.as_("home-token")
    created = await running.client.post("/incidents", json=report_body("home", T0), headers=headers)
    incident_id = created.json()["incident"]["id"]
    body = {"kind": "first", "text": "火已扑灭", "filed_by": "王芳"}
    held = await running.client.post(f"/incidents/{incident_id}/reports", json=body, headers=headers)
    assert held.status_code == 202 and held.json()["leader"]["name"] == "李强"
    signed = await running.client.post(f"/incidents/{incident_id}/sign-off", json={"by": "李强"}, headers=headers)
    assert signed.status_code == 201, signed.text
    assert "签发领导：李强" in signed.json()["text"]
    again = await running.client.post(f"/incidents/{incident_id}/sign-off", json={"by": "李强"}, headers=headers)
    assert again.status_code == 409
