"""Handover (交接班): the incoming officer takes the unit's open incidents, is told by one SMS, replies 接班;
both officers sign the record."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.duty import ShiftStarted
from schemas.incident import IncidentAssigned
from schemas.notify import SendSms, TextReceived
from schemas.values import Origin, Person
from services.incident import handlers
from services.incident.adapters.cli import incident_app
from services.incident.domain import SignatureRefused, SignRole, Source, TimelineKind
from services.incident.ports import Ports
from testbed.fakes.asgi_server import AsgiServer
from tests.incident.builders import OFFICER, report, shift_started
from tests.incident.conftest import T0, Running
from tests.incident.served import prepared_app
from tests.incident.test_handlers import RULES, kinds, seeded, sent

ZHANG = Person(id="zhang-jun", name="张军", phone="+8613800000022")
CHEN = Person(id="chen-wen", name="陈文", phone="+8613900000023")
NEXT_SHIFT = T0 + timedelta(hours=1)


def next_shift(unit_id: str = "home") -> ShiftStarted:
    return ShiftStarted(
        unit_id=unit_id,
        shift_id=f"{unit_id}@{NEXT_SHIFT.isoformat()}",
        officer=ZHANG,
        leader=CHEN,
        starts_at=NEXT_SHIFT,
        ends_at=NEXT_SHIFT + timedelta(hours=24),
    )


async def two_open_incidents(ports: Ports) -> list[str]:
    first = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    second = await handlers.on_report_incident(
        report("home", T0, location="5号楼"), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    return [first.incident.id, second.incident.id]


async def test_the_incoming_officer_takes_every_open_incident_and_gets_one_sms_with_the_deadlines() -> None:
    """Both open incidents go to 张军 and 陈文; one SMS lists both with their 首报 deadline; the record says
    from 王芳 to 张军."""
    ports = await seeded()
    incident_ids = await two_open_incidents(ports)
    await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
    assigned = [each for each in sent(ports).of_type(IncidentAssigned) if each.reason == "handover"]
    assert {(each.incident_id, each.officer, each.leader) for each in assigned} == {
        (incident_id, ZHANG, CHEN) for incident_id in incident_ids
    }
    [sms] = [each for each in sent(ports).of_type(SendSms) if each.reason == "handover"]
    assert sms.to == ZHANG.phone and "未结事件2起" in sms.text and "首报须于12-01 11:00前报送" in sms.text
    [handover] = await ports.handovers.listed(None, None, 10)
    assert (handover.from_officer, handover.to_officer, len(handover.items)) == (OFFICER, ZHANG, 2)
    assert TimelineKind.HANDED_OVER in await kinds(ports, incident_ids[0])
    incident = await ports.incidents.get(incident_ids[0])
    assert incident is not None and (incident.officer, incident.leader) == (ZHANG, CHEN)


async def test_the_reply_jieban_acknowledges_the_handover_and_a_restated_shift_hands_nothing_over_again() -> None:
    """`接班` from the incoming officer acknowledges it; the same shift announced again makes no second one."""
    ports = await seeded()
    await two_open_incidents(ports)
    await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
    await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT + timedelta(minutes=5))
    reply = TextReceived(unit_id="home", **{"from": ZHANG.phone}, text="接班", received_at=NEXT_SHIFT)
    await handlers.on_text_received(reply, ports, RULES, NEXT_SHIFT + timedelta(minutes=2))
    [handover] = await ports.handovers.listed(None, None, 10)
    assert handover.acknowledged_at == NEXT_SHIFT + timedelta(minutes=2)
    assert handover.incoming_signature is not None
    assert (handover.incoming_signature.by, handover.incoming_signature.via) == (ZHANG.name, "sms")
    assert "已确认接班" in sent(ports).of_type(SendSms)[-1].text
    assert len([each for each in sent(ports).of_type(SendSms) if each.reason == "handover"]) == 1


async def test_a_unit_with_nothing_open_has_no_handover() -> None:
    """No open incident: no record, no SMS."""
    ports = await seeded()
    await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
    assert await ports.handovers.listed(None, None, 10) == []
    assert sent(ports).of_type(SendSms) == []


@pytest.mark.postgres
async def test_handovers_are_kept_and_listed_over_http(running: Running) -> None:
    """On each database: the record, its items and its acknowledgement come back from GET /handovers."""
    async with running.backend.work() as ports:
        await two_open_incidents(ports)
        await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
        reply = TextReceived(unit_id="home", **{"from": ZHANG.phone}, text="接班。", received_at=NEXT_SHIFT)
        await handlers.on_text_received(reply, ports, RULES, NEXT_SHIFT)
    [listed] = (await running.client.get("/handovers", headers=running.as_("home-token"))).json()
    assert listed["from_officer"]["name"] == OFFICER.name and listed["to_officer"]["name"] == ZHANG.name
    assert len(listed["items"]) == 2 and listed["items"][0]["next_kind"] == "first"
    assert listed["acknowledged_at"] is not None
    assert (await running.client.get("/handovers", headers=running.as_("district-token"))).json() == []


async def test_each_officer_signs_once_and_the_reply_jieban_after_a_signature_finds_nothing_to_sign() -> None:
    """王芳 signs as outgoing and 张军 as incoming over HTTP; a second outgoing signature is refused, and 张军's
    later 接班 is answered that nothing waits for him; each signature is on the incidents' timelines."""
    ports = await seeded()
    incident_ids = await two_open_incidents(ports)
    await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
    [handover] = await ports.handovers.listed(None, None, 10)
    signed_at = NEXT_SHIFT + timedelta(minutes=3)
    await handlers.sign_handover(handover.id, SignRole.OUTGOING, OFFICER.name, ports, signed_at)
    signed = await handlers.sign_handover(handover.id, SignRole.INCOMING, ZHANG.name, ports, signed_at)
    with pytest.raises(SignatureRefused):
        await handlers.sign_handover(handover.id, SignRole.OUTGOING, "别人", ports, signed_at)
    reply = TextReceived(unit_id="home", **{"from": ZHANG.phone}, text="接班", received_at=signed_at)
    await handlers.on_text_received(reply, ports, RULES, signed_at)
    assert signed.outgoing_signature is not None and signed.outgoing_signature.by == OFFICER.name
    assert signed.incoming_signature is not None and signed.incoming_signature.via == "http"
    assert [await ports.handovers.get(handover.id)] == [signed]
    assert "没有待您确认的交接班" in sent(ports).of_type(SendSms)[-1].text
    details = [entry.detail for entry in await ports.incidents.timeline(incident_ids[0])]
    assert f"handover signed by the outgoing officer {OFFICER.name}" in details
    assert f"handover signed by the incoming officer {ZHANG.name}" in details


@pytest.mark.postgres
async def test_handovers_are_signed_over_http_within_the_tokens_units(running: Running) -> None:
    """On each database: POST /handovers/{id}/sign keeps who and when, GET shows it, the SMS 接班 is the
    incoming signature; another unit's token gets 404, a second signature 409, a bad role 422 naming it."""
    async with running.backend.work() as ports:
        await two_open_incidents(ports)
        await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
    [listed] = (await running.client.get("/handovers", headers=running.as_("home-token"))).json()
    path = f"/handovers/{listed['id']}/sign"
    assert (listed["outgoing_signature"], listed["incoming_signature"]) == (None, None)
    outgoing = {"role": "outgoing", "by": OFFICER.name}
    hidden = await running.client.post(path, json=outgoing, headers=running.as_("district-token"))
    unknown = await running.client.post("/handovers/ho-nothing/sign", json=outgoing, headers=running.as_("home-token"))
    bad = await running.client.post(path, json={"role": "leader", "by": "x"}, headers=running.as_("home-token"))
    signed = await running.client.post(path, json=outgoing, headers=running.as_("home-token"))
    again = await running.client.post(path, json=outgoing, headers=running.as_("home-token"))
    async with running.backend.work() as ports:
        reply = TextReceived(unit_id="home", **{"from": ZHANG.phone}, text="接班", received_at=NEXT_SHIFT)
        await handlers.on_text_received(reply, ports, RULES, NEXT_SHIFT)
    [after] = (await running.client.get("/handovers", headers=running.as_("admin-token"))).json()
    assert (hidden.status_code, unknown.status_code, again.status_code) == (404, 404, 409)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "role"]
    assert signed.status_code == 200 and signed.json()["outgoing_signature"]["by"] == OFFICER.name
    assert after["outgoing_signature"] == signed.json()["outgoing_signature"]
    assert after["outgoing_signature"]["via"] == "http"
    assert (after["incoming_signature"]["by"], after["incoming_signature"]["via"]) == (ZHANG.name, "sms")
    assert after["acknowledged_at"] == after["incoming_signature"]["at"]


def test_handovers_from_the_command_line(tmp_path: Path) -> None:
    """`dutywatch incident handovers` lists from whom to whom and which incidents."""
    app = prepared_app(tmp_path)
    backend = app.backend

    async def handed_over() -> list[str]:
        async with backend.work() as ports:
            incident_ids = await two_open_incidents(ports)
            await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
        await backend.database.store.close()
        return incident_ids

    incident_ids = asyncio.run(handed_over())
    server = AsgiServer(app).start()
    try:
        base = ["--url", server.base_url, "--token", "admin-token"]
        result = CliRunner().invoke(incident_app, [*base, "handovers"], env={"COLUMNS": "250"})
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "王芳" in result.output and "张军" in result.output
    assert all(incident_id in result.output for incident_id in incident_ids)


async def test_an_older_shift_announced_again_takes_nothing_back() -> None:
    """After the handover, the outgoing shift restated (a roster restart) leaves the incidents with 张军."""
    ports = await seeded()
    incident_ids = await two_open_incidents(ports)
    await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)
    await handlers.on_shift_started(shift_started("home", T0 - timedelta(hours=2)), ports, NEXT_SHIFT)
    incident = await ports.incidents.get(incident_ids[0])
    assert incident is not None and incident.officer == ZHANG
    assert len(await ports.handovers.listed(None, None, 10)) == 1
