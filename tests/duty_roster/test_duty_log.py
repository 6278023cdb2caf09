"""The duty log (值班日志) over the roster's HTTP API, in the roster's own database."""

from __future__ import annotations

import httpx

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
