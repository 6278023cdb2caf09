"""The roster's HTTP API: who is on duty, a month's plan, the units; each call with a bearer token for the unit
(or for every unit), as on the incident and notifier APIs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from services.duty_roster.adapters.views import (
    OnDutyView,
    OverrideRequest,
    PlanView,
    UnitView,
    on_duty_view,
    plan_view,
)
from services.duty_roster.domain import (
    LOCAL_TZ,
    Issue,
    Override,
    RosterIndex,
    UnknownUnitError,
    month_plan,
    parse_month,
)
from services.runtime.auth import AUTH_ERRORS, Authorized

__all__ = ["roster_router"]

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
ERRORS = AUTH_ERRORS


def roster_router(
    current: Callable[[], RosterIndex],
    clock: Callable[[], datetime],
    enter_override: Callable[[Override], Awaitable[list[Issue]]],
) -> APIRouter:
    """Routes over the roster in force (`current()`); `clock` gives the default instant."""
    router = APIRouter(tags=["roster"], responses=ERRORS)

    @router.get("/units", summary="The units of the roster the token may see")
    async def units(who: Authorized) -> list[UnitView]:
        return [
            UnitView(id=each.unit.id, name=each.unit.name, kind=each.unit.kind.value, parent_id=each.unit.parent_id)
            for each in current().units.values()
            if who.may_act_for(each.unit.id)
        ]

    @router.get("/units/{unit_id}/on-duty", summary="Who is officer and leader at an instant (default: now)")
    async def on_duty(
        unit_id: str,
        who: Authorized,
        at: Annotated[datetime | None, Query(description="ISO 8601; no offset means Asia/Shanghai.")] = None,
    ) -> OnDutyView:
        who.require(unit_id)
        index = current()
        instant = clock() if at is None else (at if at.tzinfo else at.replace(tzinfo=LOCAL_TZ))
        with _as_http_errors():
            return on_duty_view(index, index.on_duty(unit_id, instant))

    @router.get("/units/{unit_id}/plan", summary="A month's duty table, holidays marked")
    async def plan(
        unit_id: str,
        who: Authorized,
        month: Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, e.g. 2026-12.")],
    ) -> PlanView:
        who.require(unit_id)
        index = current()
        year, number = parse_month(month)
        with _as_http_errors():
            return plan_view(index, unit_id, month, month_plan(index, unit_id, year, number))

    @router.post(
        "/units/{unit_id}/overrides",
        status_code=201,
        summary="Enter an override (leave, sickness); refused with every problem if the roster would have any",
        responses={404: {"description": "Unknown unit"}, 409: {"description": "The roster would have problems"}},
    )
    async def override(unit_id: str, request: OverrideRequest, who: Authorized) -> OnDutyView:
        who.require(unit_id)
        index = current()
        with _as_http_errors():
            index.unit(unit_id)
        issues = await enter_override(request.to_override(unit_id, clock(), entered_with=who.name))
        if issues:
            raise HTTPException(409, [issue.message for issue in issues])
        index = current()
        return on_duty_view(index, index.on_duty(unit_id, _later(request.starts_at, clock())))

    return router


def _later(starts_at: datetime, now: datetime) -> datetime:
    """Who is on duty once the override is in force: at its start, or now if it started already."""
    start = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=LOCAL_TZ)
    return max(start, now)


@contextmanager
def _as_http_errors() -> Iterator[None]:
    """Unknown unit → 404."""
    try:
        yield
    except UnknownUnitError as error:
        raise HTTPException(404, str(error)) from error
