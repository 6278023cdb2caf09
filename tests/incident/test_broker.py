"""Over the real broker and a real database: read models in, intake by HTTP, Kafka and SMS, events out,
malformed intake to the DLQ, and a deadline that passed while the service was down firing exactly once."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from schemas.envelope import Envelope
from schemas.notify import TextReceived
from services.incident.app import IncidentBackend, create_app
from services.incident.testing import ManualClock
from services.runtime.embedded_broker import EmbeddedBroker
from testbed.polling import eventually
from tests.incident.builders import OFFICER, district_updated, home_updated, report, report_body, shift_started
from tests.incident.conftest import settings_for
from tests.incident.kafka_probe import of_type, publish, publish_raw, records, records_so_far

pytestmark = pytest.mark.broker

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Live:
    backend: IncidentBackend
    client: httpx.AsyncClient
    clock: ManualClock
    home: str
    district: str


def _service(broker: EmbeddedBroker, database: Path, clock: ManualClock, group: str):  # type: ignore[no-untyped-def]
    settings = settings_for(
        f"sqlite:///{database}",
        database.parent,
        service_name=group,
        sweep_every_s=3600,
        kafka={"bootstrap_servers": broker.bootstrap},
    )
    return create_app(settings, clock=clock)


async def _relayed_everything(backend: IncidentBackend) -> bool:
    async with backend.database.store.transaction() as session:
        return await backend.database.outbox.pending_count(session) == 0


@pytest.fixture(scope="module")
async def live(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    """One started incident service (its own consumer group) that has read a district and a home with a shift."""
    tag = uuid.uuid4().hex[:8]
    home, district = f"home-{tag}", f"district-{tag}"
    clock = ManualClock(NOW)
    api = _service(broker, tmp_path_factory.mktemp("incident") / "incident.sqlite3", clock, f"incident-test-{tag}")
    backend: IncidentBackend = api.state.backend
    await backend.runtime.start()
    await publish(
        broker.bootstrap,
        district_updated(district),
        home_updated(home, district),
        shift_started(home, NOW - timedelta(hours=1)),
    )

    async def read_model_ready() -> bool:
        # Units and shifts arrive on different topics, in no set order: wait for both.
        async with backend.work() as ports:
            has_unit = await ports.directory.unit(home) is not None
            return has_unit and await ports.directory.current_shift(home, NOW) is not None

    await eventually(read_model_ready, 20)
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
        yield Live(backend, client, clock, home, district)
    await backend.runtime.stop()


async def test_http_incident_produces_incident_reported_and_its_report_a_deliver_report(
    live: Live, broker: EmbeddedBroker
) -> None:
    """POST /incidents → IncidentReported on incident.events; its first report → DeliverReport on notify.requests."""
    headers = {"Authorization": "Bearer admin-token"}
    created = await live.client.post(
        "/incidents", json=report_body(live.home, NOW - timedelta(minutes=5)), headers=headers
    )
    assert created.status_code == 201, created.text
    incident_id = created.json()["incident"]["id"]
    [reported] = await records(
        broker.bootstrap, "incident.events", of_type("incident.reported", incident_id=incident_id)
    )
    assert reported.key == live.home.encode()
    filed = await live.client.post(
        f"/incidents/{incident_id}/reports",
        json={"kind": "first", "text": "火已扑灭", "filed_by": "王芳"},
        headers=headers,
    )
    assert filed.status_code == 201
    [request] = await records(
        broker.bootstrap, "notify.requests", of_type("notify.deliver_report", incident_id=incident_id)
    )
    assert b"\\u3010" in request.value or "【首报】".encode() in request.value


async def test_kafka_intake_opens_an_incident_and_bad_messages_go_to_the_dlq_with_the_reason(
    live: Live, broker: EmbeddedBroker
) -> None:
    """A valid ReportIncident opens an incident; a malformed one and one for an unknown unit land on the DLQ."""
    await publish(broker.bootstrap, report(live.home, NOW, type="food_poisoning", external_id="emg-1"))
    found = await records(
        broker.bootstrap, "incident.events", of_type("incident.reported", unit_id=live.home, type="food_poisoning")
    )
    assert len(found) == 1
    marker = f"bad-{uuid.uuid4().hex[:6]}".encode()
    await publish_raw(broker.bootstrap, "incident.intake", marker, b'{"type": "incident.report", "version": 1}')
    await publish(broker.bootstrap, report(f"ghost-{marker.decode()}", NOW))
    [malformed] = await records(broker.bootstrap, "incident.intake.dlq", lambda record: record.key == marker)
    headers = dict(malformed.headers)
    assert headers["dlq-error-kind"] == b"invalid" and b"payload" in headers["dlq-reason"]
    [refused] = await records(broker.bootstrap, "incident.intake.dlq", lambda record: record.key == b"ghost-" + marker)
    assert b"unknown unit" in dict(refused.headers)["dlq-reason"]


async def test_kafka_intake_keeps_who_sent_it_and_reads_version_1_as_the_emergency_management_link(
    live: Live, broker: EmbeddedBroker
) -> None:
    """incident.report v2 from the hotline opens an incident of origin hotline; a v1 message (no origin) one of
    origin emergency_management."""
    tag = uuid.uuid4().hex[:6]
    hotline = report(live.home, NOW, location="东区食堂", external_id=f"12345-{tag}", origin="hotline")
    await publish(broker.bootstrap, hotline)
    old = Envelope.wrap(
        report(live.home, NOW, location="西区仓库", external_id=f"emg-{tag}"), producer="link", occurred_at=NOW
    ).model_dump(mode="json")
    del old["payload"]["origin"]
    await publish_raw(
        broker.bootstrap, "incident.intake", live.home.encode(), json.dumps({**old, "version": 1}).encode()
    )
    headers = {"Authorization": "Bearer admin-token"}

    async def both_origins() -> dict[str, str] | None:
        listed = (await live.client.get("/incidents", params={"unit": live.home}, headers=headers)).json()
        found = {each["external_id"]: each["origin"] for each in listed if tag in (each["external_id"] or "")}
        return found if len(found) == 2 else None

    found = await eventually(both_origins, 20, "both incidents")
    assert found == {f"12345-{tag}": "hotline", f"emg-{tag}": "emergency_management"}


async def test_an_sms_report_over_the_broker_is_taken_in_and_confirmed(live: Live, broker: EmbeddedBroker) -> None:
    """A TextReceived `报 走失 …` opens a missing-person incident and a SendSms confirmation goes out."""
    text = TextReceived(
        unit_id=live.home, **{"from": OFFICER.phone}, text="报 走失 福利院大门 一名老人走失", received_at=NOW
    )
    await publish(broker.bootstrap, text)
    [reported] = await records(
        broker.bootstrap, "incident.events", of_type("incident.reported", unit_id=live.home, type="missing_person")
    )
    assert reported.key == live.home.encode()
    [answer] = await records(
        broker.bootstrap, "notify.requests", of_type("notify.send_sms", unit_id=live.home, reason="sms report taken")
    )
    assert "已受理".encode() in answer.value


async def test_a_deadline_passed_while_down_fires_report_overdue_exactly_once_after_restart(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Stopped before its deadline, restarted after it: the start-up sweep fires ReportOverdue once, never twice."""
    tag = uuid.uuid4().hex[:8]
    home, database, clock = f"home-{tag}", tmp_path / "incident.sqlite3", ManualClock(NOW)
    first = _service(broker, database, clock, f"incident-restart-{tag}")
    backend: IncidentBackend = first.state.backend
    await backend.runtime.start()
    async with backend.work() as ports:
        from services.incident import handlers

        await handlers.on_unit_updated(district_updated(f"district-{tag}"), ports)
        await handlers.on_unit_updated(home_updated(home, f"district-{tag}"), ports)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://incident") as client:
        body = report_body(home, NOW - timedelta(minutes=50))
        created = await client.post("/incidents", json=body, headers={"Authorization": "Bearer admin-token"})
    incident_id = created.json()["incident"]["id"]
    await backend.runtime.stop()

    clock.advance(minutes=11)
    second: IncidentBackend = _service(broker, database, clock, f"incident-restarted-{tag}").state.backend
    await second.runtime.start()
    try:
        overdue = of_type("incident.report_overdue", incident_id=incident_id)
        assert len(await records(broker.bootstrap, "incident.events", overdue)) == 1
        await second.runtime.sweep_all()
        await eventually(lambda: _relayed_everything(second), what="the relay publishing what the sweep wrote")
        assert len(await records_so_far(broker.bootstrap, "incident.events", overdue)) == 1
        due_soon = of_type("incident.report_due_soon", incident_id=incident_id)
        assert await records_so_far(broker.bootstrap, "incident.events", due_soon) == []
    finally:
        await second.runtime.stop()
