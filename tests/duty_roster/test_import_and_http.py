"""`dutywatch roster import` into the service's own database, and the HTTP API over the imported roster."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from services.cli import app
from services.duty_roster.app import RosterService, build
from tests.duty_roster.builders import local
from tests.duty_roster.support import ADMIN_TOKEN, MAOJIAN_TOKEN, roster_text, settings_for, unique_prefix

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.yaml"
SAMPLE_NOW = local("2026-12-06 10:00")
"""The service's clock in these tests: inside the sample roster's winter, whatever the date the suite runs on."""


async def counts(service: RosterService) -> tuple[int, int]:
    async with service.database.store.transaction() as session:
        versions = (
            await session.execute(select(func.count()).select_from(service.database.tables.versions))
        ).scalar_one()
        outbox = (await session.execute(select(func.count()).select_from(service.database.outbox.table))).scalar_one()
    return versions, outbox


async def run_import(database_url: str, path: Path) -> tuple[int, str]:
    """The CLI in a thread of its own: it runs its own event loop, as it does from a shell."""
    env = {"DUTYWATCH_ROSTER_DATABASE_URL": database_url}
    result = await asyncio.to_thread(CliRunner().invoke, app, ["roster", "import", str(path)], env=env)
    return result.exit_code, result.output


@pytest.fixture
async def imported(database_url: str, tmp_path: Path) -> AsyncIterator[RosterService]:
    """The sample roster imported with the CLI into a fresh database, and a service (not started) over it."""
    code, output = await run_import(database_url, EXAMPLE)
    assert code == 0, output
    service = build(settings_for(database_url, "127.0.0.1:1", tmp_path), clock=lambda: SAMPLE_NOW)
    await service.roster.refresh()
    yield service
    await service.database.store.close()


async def test_import_is_idempotent_and_all_or_nothing(
    imported: RosterService, database_url: str, tmp_path: Path
) -> None:
    """Importing the same file again adds nothing; a file with problems is refused whole and changes nothing."""
    before = await counts(imported)
    code, output = await run_import(database_url, EXAMPLE)
    assert code == 0 and "unchanged" in output
    broken = tmp_path / "broken.yaml"
    broken.write_text(roster_text(unique_prefix()).replace('"138 0000 1001"', '"12345"'), encoding="utf-8")
    code, output = await run_import(database_url, broken)
    assert code == 1 and "nothing imported" in output and ":3:" in output
    assert await counts(imported) == before
    assert before[0] == 1 and before[1] == 24  # 12 units: a directory entry and a restated shift each


@pytest.fixture
async def client(imported: RosterService) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=imported.api)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://roster", headers=headers) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SICK_LEAVE = {
    "role": "leader",
    "by": "maojian-spare",
    "starts_at": "2026-12-20T08:30:00",
    "ends_at": "2026-12-21T08:30:00",
    "reason": "病假",
    "entered_by": "茅箭区民政局办公室",
}


async def test_roster_routes_need_a_token_for_the_unit(client: httpx.AsyncClient) -> None:
    """Without a token every roster route is 401; a unit's token reading or overriding another unit is 403."""
    routes = [
        ("GET", "/units", None),
        ("GET", "/units/zhangwan/on-duty", None),
        ("GET", "/units/zhangwan/plan?month=2026-12", None),
        ("POST", "/units/zhangwan/overrides", SICK_LEAVE),
    ]
    for method, path, body in routes:
        anonymous = await client.request(method, path, json=body, headers={"Authorization": ""})
        assert anonymous.status_code == 401, path
    for method, path, body in routes[1:]:
        other = await client.request(method, path, json=body, headers=bearer(MAOJIAN_TOKEN))
        assert other.status_code == 403, path
    own = await client.get("/units", headers=bearer(MAOJIAN_TOKEN))
    assert [unit["id"] for unit in own.json()] == ["maojian"]


async def test_an_override_records_the_token_it_was_entered_with(client: httpx.AsyncClient) -> None:
    """A unit's token may enter an override for its unit; the record names the token beside the person."""
    recorded = await client.post("/units/maojian/overrides", json=SICK_LEAVE, headers=bearer(MAOJIAN_TOKEN))
    assert recorded.status_code == 201, recorded.text
    later = await client.get("/units/maojian/on-duty", params={"at": "2026-12-20T12:00:00+08:00"})
    assert any("(token maojian-office)" in note for note in later.json()["notes"])


async def test_on_duty_over_http(client: httpx.AsyncClient) -> None:
    """GET /units/{id}/on-duty?at= answers officer, leader and the shift, with the override's reason."""
    response = await client.get("/units/maojian/on-duty", params={"at": "2026-12-11T09:00:00+08:00"})
    assert response.status_code == 200
    body = response.json()
    assert body["officer"]["id"] == "maojian-spare" and body["leader"]["phone"].startswith("+86")
    assert body["starts_at"] == "2026-12-11T00:30:00Z" and "病假" in body["notes"][0]


async def test_plan_over_http_marks_each_day(client: httpx.AsyncClient) -> None:
    """GET /units/{id}/plan?month= lists one row per shift; the 12-hour rescue station has two a day."""
    response = await client.get("/units/jiuzhu-station/plan", params={"month": "2026-12"})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert len(rows) == 62 and rows[0]["day"] == rows[1]["day"] == "2026-12-01"
    saturday = [row for row in rows if row["day"] == "2026-12-05"]
    assert [row["mark"] for row in saturday] == ["周末", "周末"] and saturday[0]["weekday"] == "星期六"
    assert saturday[0]["officer"]["id"] != saturday[1]["officer"]["id"]


async def test_bad_requests_are_clear(client: httpx.AsyncClient) -> None:
    """Unknown unit → 404 naming it; a bad month → 422 naming the field."""
    missing = await client.get("/units/nowhere/on-duty")
    assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]
    bad_month = await client.get("/units/maojian/plan", params={"month": "2026-13"})
    assert bad_month.status_code == 422 and bad_month.json()["detail"][0]["loc"] == ["query", "month"]


async def test_a_year_whose_holidays_nobody_entered_still_answers_marked_estimated(client: httpx.AsyncClient) -> None:
    """On 2027-01-02 the city bureau has an officer and a leader, `holidays: estimated`; 2026 answers `official`;
    the January 2027 plan marks New Year's Day off and says it is estimated."""
    later = await client.get("/units/shiyan-mca/on-duty", params={"at": "2027-01-02T10:00:00+08:00"})
    assert later.status_code == 200
    body = later.json()
    assert body["officer"]["name"] and body["leader"]["name"] and body["holidays"] == "estimated"
    now = await client.get("/units/shiyan-mca/on-duty", params={"at": "2026-12-06T10:00:00+08:00"})
    assert now.json()["holidays"] == "official"
    plan = (await client.get("/units/maojian/plan", params={"month": "2027-01"})).json()
    assert plan["holidays"] == "estimated"
    assert [row["mark"] for row in plan["rows"] if row["day"] == "2027-01-01"] == ["休"]


async def test_openapi_document_lists_the_roster_routes(client: httpx.AsyncClient) -> None:
    """The OpenAPI document describes on-duty and plan."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/units", "/units/{unit_id}/on-duty", "/units/{unit_id}/plan"} <= set(paths)


async def test_an_override_over_http_is_checked_recorded_and_answered(client: httpx.AsyncClient) -> None:
    """POST /units/{id}/overrides records a clean override (201, the new duty); a clash is 409 with the reason;
    a body missing a field is 422 naming it."""
    sick = SICK_LEAVE
    recorded = await client.post("/units/maojian/overrides", json=sick)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["leader"]["id"] == "maojian-spare"
    later = await client.get("/units/maojian/on-duty", params={"at": "2026-12-20T12:00:00+08:00"})
    assert later.json()["leader"]["id"] == "maojian-spare"
    clash = await client.post(
        "/units/maojian/overrides",
        json={
            **sick,
            "role": "officer",
            "by": "zhangwan-officer-1",
            "starts_at": "2026-12-01T09:00:00",
            "ends_at": "2026-12-01T10:00:00",
        },
    )
    assert clash.status_code == 409 and "double booking" in clash.json()["detail"][0]
    missing = await client.post("/units/maojian/overrides", json={key: v for key, v in sick.items() if key != "reason"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "reason"]
    unknown = await client.post("/units/nowhere/overrides", json=sick)
    assert unknown.status_code == 404


async def test_an_override_from_the_command_line(imported: RosterService, database_url: str) -> None:
    """`dutywatch roster override` records a clean override in the roster's database and refuses a clash, exit 1."""
    env = {"DUTYWATCH_ROSTER_DATABASE_URL": database_url}
    common = [
        "--reason",
        "事假",
        "--entered-by",
        "办公室",
        "--from",
        "2026-12-22T08:30:00",
        "--until",
        "2026-12-23T08:30:00",
    ]
    command = ["roster", "override", "--unit", "yunxi", "--role", "officer", "--by", "maojian-spare", *common]
    recorded = await asyncio.to_thread(CliRunner().invoke, app, command, env=env)
    assert recorded.exit_code == 0, recorded.output
    index = await imported.roster.refresh()
    assert index.on_duty("yunxi", local("2026-12-22 12:00")).officer.person_id == "maojian-spare"
    clash = [*command[:7], "zhangwan-leader-2", *common]  # leads zhangwan that day
    refused = await asyncio.to_thread(CliRunner().invoke, app, clash, env=env)
    assert refused.exit_code == 1 and "refused" in refused.output
