"""The owning services' API clients against stand-in HTTP servers (httpx's MockTransport)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from services.board.adapters.owners import http_owners
from services.board.ports import Owners, Refused, Unreachable
from tests.board.builders import NOW


def _owners(handler: httpx.MockTransport) -> tuple[httpx.AsyncClient, Owners]:
    client = httpx.AsyncClient(transport=handler)
    return client, http_owners(client, "http://incident", "http://notifier", "http://roster")


async def test_a_422_names_the_field_and_other_refusals_carry_the_services_reason() -> None:
    """FastAPI's validation detail becomes `field: message`; a 403's sentence is passed on as it is."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/reports"):
            detail = [{"loc": ["body", "text"], "msg": "String should have at least 1 character"}]
            return httpx.Response(422, json={"detail": detail})
        return httpx.Response(403, json={"detail": "this token may not act for unit 'zhangwan'"})

    client, owners = _owners(httpx.MockTransport(answer))
    async with client:
        with pytest.raises(Refused) as refused:
            await owners.incident.file_report("t", "inc-1", "first", "", "me")
        assert refused.value.field == "text" and "at least 1" in refused.value.message
        with pytest.raises(Refused, match="may not act"):
            await owners.incident.accountability("t", date(2026, 12, 1), date(2026, 12, 2))


async def test_a_service_that_does_not_answer_or_fails_is_unreachable() -> None:
    """A refused connection and a 5xx are both `Unreachable`, never a refusal the person should fix."""

    def fail(request: httpx.Request) -> httpx.Response:
        if request.url.host == "notifier":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(500, text="boom")

    client, owners = _owners(httpx.MockTransport(fail))
    async with client:
        with pytest.raises(Unreachable):
            await owners.notifier.broadcast("t", "寒潮", "降温", "me", None)
        with pytest.raises(Unreachable):
            await owners.incident.incident("t", "inc-1")


async def test_the_next_shift_is_asked_once_a_minute_per_unit_and_instant() -> None:
    """Refreshes of the 值班 page reuse the roster's answer; a roster that cannot say gives None."""
    asked: list[str] = []

    def on_duty(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if "nowhere" in request.url.path:
            return httpx.Response(404, json={"detail": "unknown unit"})
        person = {"id": "p", "name": "王芳", "phone": "+8613800000001"}
        return httpx.Response(200, json={"starts_at": NOW.isoformat(), "officer": person, "leader": None})

    client, owners = _owners(httpx.MockTransport(on_duty))
    async with client:
        roster = owners.roster
        first = await roster.next_duty("t", "maojian", NOW)
        again = await roster.next_duty("t", "maojian", NOW)
        assert first is not None and first == again and first.leader is None
        assert first.officer is not None and first.officer.name == "王芳"
        assert await roster.next_duty("t", "nowhere", NOW) is None
    assert asked == ["/units/maojian/on-duty", "/units/nowhere/on-duty"]
