"""The pages over the real read model: login, scope, CSRF, and every action going to its owning service."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from schemas.values import RecipientRole
from services.board.testing import FakeIncidentService, FakeNotifierService, FakeRosterService
from tests.board import builders as b
from tests.board.served import CITY_TOKEN, COUNTY_TOKEN, Served, csrf_of, log_in, serve


@pytest.fixture
async def served(database_url: str, tmp_path: Path) -> AsyncIterator[Served]:
    async for each in serve(database_url, tmp_path):
        await each.feed(
            b.unit("city", "十堰市民政局", parent=None),
            b.unit("maojian", "茅箭区民政局"),
            b.unit("zhangwan", "张湾区民政局"),
            b.shift("maojian"),
            b.shift("zhangwan", officer="赵敏"),
        )
        yield each


def _plan() -> dict[str, object]:
    person = {"id": "maojian-officer", "name": "王芳", "phone": "+8613800000001"}
    leader = {"id": "maojian-leader", "name": "李强", "phone": "+8613800000002"}
    row = {
        "day": "2026-12-01",
        "weekday": "星期二",
        "day_kind": "workday",
        "mark": "",
        "festival": None,
        "starts_at": "2026-12-01T00:30:00+00:00",
        "ends_at": "2026-12-02T00:30:00+00:00",
        "officer": person,
        "leader": leader,
        "notes": [],
    }
    holiday = dict(
        row,
        day="2026-12-02",
        mark="休",
        festival="测试节",
        officer=None,
        starts_at="2026-12-02T00:30:00+00:00",
        ends_at="2026-12-03T00:30:00+00:00",
    )
    return {"unit_id": "maojian", "unit_name": "茅箭区民政局", "month": "2026-12", "rows": [row, holiday]}


async def test_every_page_sends_a_visitor_without_a_session_to_the_login_form(served: Served) -> None:
    """No cookie, no board: each page redirects to /login, htmx refreshes get HX-Redirect."""
    async with served.client() as client:
        for path in ("/duty", "/incidents", "/broadcasts", "/table", "/log", "/accountability", "/wall"):
            answer = await client.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
        refresh = await client.get("/duty/rows", headers={"HX-Request": "true"})
        assert refresh.headers["HX-Redirect"].startswith("/login")


async def test_an_unknown_token_is_refused_and_a_form_without_csrf_is_forbidden(served: Served) -> None:
    """A wrong token gets the form again with a 401; a POST without the session's CSRF token gets 403."""
    async with served.client() as client:
        form = await client.get("/login")
        wrong = await client.post("/login", data={"token": "nope", "csrf_token": csrf_of(form.text)})
        assert wrong.status_code == 401 and "令牌无效" in wrong.text
        forged = await client.post("/login", data={"token": CITY_TOKEN, "csrf_token": "forged"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        await log_in(client, CITY_TOKEN)
        no_field = await client.post("/broadcasts", data={"title": "t", "text": "x", "sent_by": "me"})
        assert no_field.status_code == 403
    assert isinstance(served.owners.notifier, FakeNotifierService) and served.owners.notifier.sent == []


async def test_the_duty_page_shows_each_unit_and_marks_a_gap_red(served: Served) -> None:
    """The city sees every unit with officer and leader; the unit with nobody on duty is a red gap row."""
    async with served.client() as client:
        await log_in(client, CITY_TOKEN)
        page = (await client.get("/duty")).text
    assert "茅箭区民政局" in page and "张湾区民政局" in page and "赵敏" in page
    assert '<tr class="gap" data-unit="city">' in page and "空岗" in page


async def test_a_county_token_sees_only_its_own_county(served: Served) -> None:
    """茅箭's token: its own unit, incidents and notices, and a 403 for another unit's table."""
    await served.feed(b.incident("inc-z", "zhangwan"), b.incident("inc-m", "maojian"))
    async with served.client() as client:
        await log_in(client, COUNTY_TOKEN)
        duty, incidents = (await client.get("/duty")).text, (await client.get("/incidents")).text
        other = await client.get("/table?unit=zhangwan&month=2026-12")
    assert "茅箭区民政局" in duty and "张湾区民政局" not in duty and "赵敏" not in duty
    assert "inc-m" in incidents and "inc-z" not in incidents
    assert other.status_code == 403


async def test_the_incident_list_shows_countdown_recipients_acknowledgement_and_step(served: Served) -> None:
    """Each open incident: time left, each recipient's state, who acknowledged, the escalation step; late is red."""
    await served.feed(
        b.incident("inc-1", "maojian", due_in=timedelta(minutes=41, seconds=7)),
        b.incident("inc-2", "zhangwan", due_in=-timedelta(minutes=3)),
        b.acknowledged("inc-1", "maojian"),
        b.escalated("inc-2", "zhangwan", 3),
        b.delivered("inc-1", "maojian", RecipientRole.GOVERNMENT, acknowledged=True),
    )
    async with served.client() as client:
        await log_in(client, CITY_TOKEN)
        rows = (await client.get("/incidents/rows")).text
    overdue, _, due = rows.partition('data-incident="inc-1"')
    assert "剩余 41:07" in due and "政府：已确认" in due and "党委：待报" in due and "王芳" in due
    assert '<tr class="late" data-incident="inc-2"' in overdue and "超时 3:00" in overdue
    assert "未确认" in overdue and '<td data-label="升级">3</td>' in overdue


async def test_filing_a_report_goes_to_the_incident_service_with_the_viewers_token(served: Served) -> None:
    """The page's form posts to the incident API as the logged-in token; a refusal shows its reason."""
    incidents = served.owners.incident
    assert isinstance(incidents, FakeIncidentService)
    incidents.incidents["inc-1"] = {
        "id": "inc-1",
        "unit_id": "maojian",
        "type_label": "火灾",
        "severity": "III",
        "location": "福利院",
        "occurred_at": b.NOW.isoformat(),
        "summary": "起火",
        "reporter": "张三",
        "officer": None,
        "leader": None,
        "status": "open",
        "late": False,
        "escalation_step": 0,
        "first_report_due_at": b.NOW.isoformat(),
        "first_reported_at": None,
        "reports": [],
        "timeline": [{"at": b.NOW.isoformat(), "detail": "接报", "actor": None}],
    }
    async with served.client() as client:
        csrf = await log_in(client, COUNTY_TOKEN)
        page = await client.get("/incidents/inc-1")
        assert page.status_code == 200 and "提交报告" in page.text and "接报" in page.text
        form = {"kind": "first", "text": "首报内容", "filed_by": "王芳", "csrf_token": csrf}
        filed = await client.post("/incidents/inc-1/reports", data=form)
        assert filed.status_code == 303
        refused = await client.post("/incidents/inc-1/reports", data=dict(form, text=" "))
    assert incidents.filed == [(COUNTY_TOKEN, "inc-1", "first", "首报内容", "王芳")]
    assert refused.status_code == 422 and "text" in refused.text


async def test_sending_a_broadcast_goes_to_the_notifier_and_acknowledgements_show_per_unit(served: Served) -> None:
    """A county's notice goes to its own units; the list shows each unit's acknowledgement."""
    await served.feed(b.broadcast("b1", None), b.broadcast_acknowledged("b1", "maojian"))
    async with served.client() as client:
        csrf = await log_in(client, COUNTY_TOKEN)
        page = (await client.get("/broadcasts")).text
        sent = await client.post(
            "/broadcasts", data={"title": "寒潮", "text": "降温", "sent_by": "茅箭值班室", "csrf_token": csrf}
        )
    assert "茅箭区民政局：王芳" in page and "已确认 1/1" in page and "张湾" not in page
    assert sent.status_code == 303
    notifier = served.owners.notifier
    assert isinstance(notifier, FakeNotifierService)
    assert notifier.sent == [(COUNTY_TOKEN, "寒潮", "降温", "茅箭值班室", ["maojian"])]


async def test_a_notifier_that_does_not_answer_keeps_the_form_and_says_so(served: Served) -> None:
    """503 with a sentence saying nothing was sent; what the person wrote stays in the form."""
    notifier = served.owners.notifier
    assert isinstance(notifier, FakeNotifierService)
    notifier.down = True
    async with served.client() as client:
        csrf = await log_in(client, CITY_TOKEN)
        form = {"title": "寒潮", "text": "今夜降温", "sent_by": "市局", "csrf_token": csrf}
        answer = await client.post("/broadcasts", data=form)
    assert answer.status_code == 503 and "广播未发出" in answer.text and "今夜降温" in answer.text


async def test_the_duty_table_prints_downloads_as_xlsx_and_feeds_a_calendar(served: Served) -> None:
    """The roster's month plan, holidays marked; the XLSX has its rows; the signed iCal link lists the shifts."""
    roster = served.owners.roster
    assert isinstance(roster, FakeRosterService)
    for month in ("2026-12", "2027-01", "2027-02"):
        roster.plans[("maojian", month)] = _plan()
    async with served.client() as client:
        await log_in(client, COUNTY_TOKEN)
        page = (await client.get("/table?unit=maojian&month=2026-12")).text
        workbook = await client.get("/table.xlsx?unit=maojian&month=2026-12")
        link = page.split('href="/calendar/')[1].split('"')[0]
        feed = await client.get("/calendar/" + link)
        forged = await client.get("/calendar/" + link.replace(".ics", "x.ics"))
    assert 'class="mark-holiday"' in page and "测试节" in page and "window.print()" in page
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sheet["A3"].value == "2026-12-01" and sheet["G3"].value == "王芳"
    assert sheet["C4"].value == "休" and sheet["G4"].value == "空岗"
    events = [each for each in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert feed.headers["content-type"].startswith("text/calendar") and len(events) == 3
    assert forged.status_code == 404


async def test_the_duty_log_is_written_through_the_roster(served: Served) -> None:
    """An entry written on the page is the roster's; the page lists the day's entries."""
    async with served.client() as client:
        csrf = await log_in(client, COUNTY_TOKEN)
        form = {"unit": "maojian", "kind": "call", "text": "接县应急局电话", "author": "王芳", "csrf_token": csrf}
        written = await client.post("/log", data=form)
        listed = await client.get(written.headers["location"])
        other = await client.post("/log", data=dict(form, unit="zhangwan"))
    assert written.status_code == 303 and "已记录" in listed.text
    assert "接县应急局电话" in listed.text and "来电" in listed.text
    assert other.status_code == 403


async def test_the_accountability_page_ranks_the_units(served: Served) -> None:
    """The incident service's figures, ranked, with the units' names."""
    incidents = served.owners.incident
    assert isinstance(incidents, FakeIncidentService)
    from services.board.domain import AccountLine

    incidents.lines = [AccountLine("zhangwan", 3, 3, 60, 900, 1, 0), AccountLine("maojian", 2, 2, 30, 600, 0, 0)]
    async with served.client() as client:
        await log_in(client, CITY_TOKEN)
        page = (await client.get("/accountability")).text
    assert page.index("茅箭区民政局") < page.index("张湾区民政局")
