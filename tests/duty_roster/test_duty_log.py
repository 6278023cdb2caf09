"""The duty log (值班日志) over the roster's HTTP API, in the roster's own database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx

from services.duty_roster.app import RosterService, build
from tests.duty_roster.builders import local
from tests.duty_roster.support import ADMIN_TOKEN, settings_for
from tests.duty_roster.test_import_and_http import client, imported  # noqa: F401 — the fixtures, shared


async def test_a_duty_log_entry_is_kept_and_listed_by_day(client: httpx.AsyncClient) -> None:  # noqa: F811
    """POST stores the entry with its time; GET lists the day's entries oldest first; other days are empty."""
    for text in ("接县应急局电话：某村停电", "传达市局寒潮预警"):
        written = await client.post("/units/maojian/duty-log", json={"kind": "call", "text": text, "author": "朱桂英"})
        assert written.status_code == 201, written.text
    today = written.json()["written_at"]
    listed = await client.get("/units/maojian/duty-log")
    assert [entry["text"] for entry in listed.json()] == ["接县应急局电话：某村停电", "传达市局寒潮预警"]
    assert listed.json()[0]["author"] == "朱桂英" and today
    assert (await client.get("/units/maojian/duty-log", params={"day": "2020-01-01"})).json() == []
    assert (await client.get("/units/zhangwan/duty-log")).json() == []


async def test_a_bad_duty_log_entry_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:  # noqa: F811
    """An empty text is a 422 naming `text`; an unknown kind names `kind`; an unknown unit is a 404."""
    empty = await client.post("/units/maojian/duty-log", json={"kind": "call", "text": "", "author": "x"})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "text"
    odd = await client.post("/units/maojian/duty-log", json={"kind": "gossip", "text": "x", "author": "x"})
    assert odd.status_code == 422 and odd.json()["detail"][0]["loc"][-1] == "kind"
    unknown = await client.post("/units/nowhere/duty-log", json={"kind": "call", "text": "x", "author": "x"})
    assert unknown.status_code == 404


async def test_an_entry_written_after_midnight_is_listed_on_that_beijing_day(
    imported: RosterService,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    """From 00:00 to 08:00 in Beijing the UTC date is still the day before: an entry written then is listed on
    the Beijing day it was written, whatever the database, and not on the day before."""
    after_midnight = local("2026-12-07 00:30")
    service = build(settings_for(database_url, "127.0.0.1:1", tmp_path / "late"), clock=lambda: after_midnight)
    await service.roster.refresh()
    transport = httpx.ASGITransport(app=service.api)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://roster", headers=headers) as http:
            entry = {"kind": "call", "text": "凌晨接报：某村停电", "author": "朱桂英"}
            assert (await http.post("/units/maojian/duty-log", json=entry)).status_code == 201
            listed = (await http.get("/units/maojian/duty-log")).json()
            assert [item["text"] for item in listed] == ["凌晨接报：某村停电"]
            assert datetime.fromisoformat(listed[0]["written_at"]) == after_midnight
            assert (await http.get("/units/maojian/duty-log", params={"day": "2026-12-06"})).json() == []
    finally:
        await service.database.store.close()
