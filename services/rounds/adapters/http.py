"""The HTTP API: plans, due rounds and their reports, hazards, leave, CAP warnings, coverage, spot checks.
Every write is one transaction with its events; every route takes the services' bearer tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Response

from schemas.rounds import RecordLeave, RecordReturn
from services.rounds.adapters.http_models import CloseIn, LeaveIn, ReportIn, ReturnIn, jsonable
from services.rounds.domain import LOCAL_TZ, CapInvalid, PersonFound, Plan
from services.rounds.handlers import (
    HazardClosed,
    HazardIn,
    RoundRefused,
    RoundReport,
    Rules,
    UnknownRecord,
    coverage,
    on_close_hazard,
    on_receive_warning,
    on_record_leave,
    on_record_return,
    on_round_report,
    round_by_code,
)
from services.rounds.ports import Ports, Records
from services.runtime.auth import AUTH_ERRORS, Authorized, app_backend

__all__ = ["Backend", "mount"]


class Backend(Protocol):
    rules: Rules

    def now(self) -> datetime: ...

    def work(self) -> AbstractAsyncContextManager[Ports]: ...


Service = Annotated[Backend, Depends(app_backend)]
ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"description": "No round, hazard or leave has this code or id."},
    409: {"description": "It does not fit the record's state (the detail says why)."},
    422: {"description": "A field is invalid, or the CAP document is malformed (the detail names what)."},
}
router = APIRouter(tags=["rounds"], responses=ERRORS)


@dataclass(frozen=True)
class Listing:
    """What a listing shows: the caller's units (or the one asked for), a state, how many."""

    units: Sequence[str] | None
    states: list[str] | None
    limit: int


async def _listing(
    who: Authorized,
    unit: str | None = None,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> Listing:
    return Listing(who.visible(unit), [state] if state else None, limit)


Listed = Annotated[Listing, Depends(_listing)]


async def _listed(service: Backend, noun: Callable[[Ports], Records[Any]], listing: Listing) -> list[dict[str, Any]]:
    async with service.work() as ports:
        found = await noun(ports).find(units=listing.units, states=listing.states, limit=listing.limit)
    return [jsonable(each) for each in found]


CAP_BODY = Body(media_type="application/xml", description="A CAP 1.2 <alert> document.")


@router.get("/plans")
async def plans(who: Authorized, service: Service, unit: str | None = None) -> list[dict[str, Any]]:
    """The plans, from the plans file read at start."""
    visible = who.visible(unit)
    return [_plan(plan) for plan in service.rules.book.plans if visible is None or plan.unit_id in visible]


def _plan(plan: Plan) -> dict[str, Any]:
    schedule = plan.schedule
    timing = {
        "times": [each.strftime("%H:%M") for each in schedule.times],
        "every_minutes": schedule.every_minutes,
        "every_days": schedule.every_days,
        "weekday": schedule.weekday,
        "at": schedule.at.strftime("%H:%M"),
        "window_minutes": schedule.window.total_seconds() / 60,
        "on_holiday": schedule.on_holiday.value,
        "cold_wave_times": [each.strftime("%H:%M") for each in schedule.cold_wave_times],
        "cold_wave_every_days": schedule.cold_wave_every_days,
    }
    assignees = [person.name for person in plan.assignees] or ["on-duty officer"]
    return {
        "id": plan.id,
        "unit_id": plan.unit_id,
        "kind": plan.kind.value,
        "title": plan.title,
        "schedule": timing,
        "items": list(plan.checked_items),
        "vehicle": plan.vehicle,
        "assignees": assignees,
    }


@router.get("/rounds")
async def rounds(listing: Listed, service: Service) -> list[dict[str, Any]]:
    """Rounds, newest due first; `state`: planned, due (awaiting their report), reported or missed."""
    return await _listed(service, lambda ports: ports.rounds, listing)


@router.post("/rounds/{code}/report", status_code=201)
async def report_round(
    code: str, body: ReportIn, who: Authorized, service: Service, response: Response
) -> dict[str, Any]:
    """The result of the round holding this code; a second report of it changes nothing (200, `first` false)."""
    report = RoundReport(
        by=body.by,
        results=[each.model_dump() for each in body.results],
        note=body.note,
        hazards=[HazardIn(each.description, each.hazard_class) for each in body.hazards],
        persons=[PersonFound(p.description, p.location, p.action, frozenset(p.risks)) for p in body.persons],
    )
    async with service.work() as ports:
        try:
            round_ = await round_by_code(ports, code, None)
            who.require(round_.unit_id)
            reported = await on_round_report(round_, report, ports, service.rules, service.now())
        except UnknownRecord as unknown:
            raise HTTPException(404, str(unknown)) from None
        except RoundRefused as refused:
            raise HTTPException(409, str(refused)) from None
    if not reported.first:
        response.status_code = 200
    hazards = [jsonable(each) for each in reported.hazards]
    return {
        "round": jsonable(reported.round),
        "first": reported.first,
        "hazards": hazards,
        "incidents": reported.incidents,
    }


@router.get("/hazards")
async def hazards(listing: Listed, service: Service) -> list[dict[str, Any]]:
    """Rectification items; `state`: open, overdue or closed."""
    return await _listed(service, lambda ports: ports.hazards, listing)


@router.post("/hazards/{hazard_id}/close")
async def close_hazard(hazard_id: str, body: CloseIn, who: Authorized, service: Service) -> dict[str, Any]:
    async with service.work() as ports:
        found = await ports.hazards.get(hazard_id)
        if found is None:
            raise HTTPException(404, f"no hazard {hazard_id!r}")
        who.require(found.unit_id)
        try:
            closed = await on_close_hazard(hazard_id, body.by, body.note, ports, service.now())
        except HazardClosed as already:
            raise HTTPException(409, str(already)) from None
    return jsonable(closed)


@router.get("/leaves")
async def leaves(listing: Listed, service: Service) -> list[dict[str, Any]]:
    """Residents' leave; `state`: out, returned or missing."""
    return await _listed(service, lambda ports: ports.leaves, listing)


@router.post("/leaves", status_code=201)
async def record_leave(body: LeaveIn, who: Authorized, service: Service) -> dict[str, Any]:
    """A resident goes on leave (请假); not back by `expected_back` plus the grace period: a missing-person incident."""
    who.require(body.unit_id)
    now = service.now()
    command = RecordLeave(
        unit_id=body.unit_id,
        leave_id=body.leave_id,
        resident=body.resident,
        left_at=body.left_at or now,
        expected_back=body.expected_back,
        reason=body.reason,
    )
    async with service.work() as ports:
        return jsonable(await on_record_leave(command, ports, service.rules))


@router.post("/leaves/{leave_id}/return")
async def record_return(leave_id: str, body: ReturnIn, who: Authorized, service: Service) -> dict[str, Any]:
    """The resident is back (销假)."""
    async with service.work() as ports:
        found = await ports.leaves.get(leave_id)
        if found is None:
            raise HTTPException(404, f"no leave {leave_id!r}")
        who.require(found.unit_id)
        command = RecordReturn(unit_id=found.unit_id, leave_id=leave_id, returned_at=body.returned_at or service.now())
        return jsonable(await on_record_return(command, ports))


@router.post("/warnings", status_code=201)
async def receive_warning(
    who: Authorized,
    service: Service,
    response: Response,
    document: Annotated[str, CAP_BODY],
    unit: str = Query(..., description="The unit that forwards the warning (its bureau)."),
) -> dict[str, Any]:
    """A CAP 1.2 warning: at or above the configured level, broadcast to the covered units (422 names what is wrong)."""
    who.require(unit)
    async with service.work() as ports:
        try:
            taken = await on_receive_warning(document, unit, ports, service.rules, service.now())
        except CapInvalid as invalid:
            raise HTTPException(422, f"malformed CAP: {invalid}") from None
    if taken.record is None or taken.duplicate:
        response.status_code = 200
    return {
        "warning": jsonable(taken.record) if taken.record else None,
        "ignored": taken.ignored,
        "duplicate": taken.duplicate,
    }


@router.get("/warnings/{warning_id}")
async def warning(warning_id: str, who: Authorized, service: Service) -> dict[str, Any]:
    """A warning acted on, with its acknowledgements per unit."""
    async with service.work() as ports:
        found = await ports.warnings.get(warning_id)
    if found is None:
        raise HTTPException(404, f"no warning {warning_id!r}")
    shown = who.visible(None)
    document = jsonable(found)
    return {
        **document,
        "units_total": len(found.units),
        "units_acknowledged": len(found.acknowledged),
        "visible_units": shown,
    }


@router.get("/coverage")
async def coverage_of(
    who: Authorized,
    service: Service,
    unit: str | None = None,
    start: Annotated[date | None, Query(alias="from", description="First local day; default: 7 days ago.")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last local day (inclusive); default: today.")] = None,
) -> list[dict[str, Any]]:
    """Per plan: households not visited, checkpoints or hotspots not patrolled in the period (不漏一户)."""
    today = service.now().astimezone(LOCAL_TZ).date()
    first, last = start or today - timedelta(days=7), end or today
    since = datetime.combine(first, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    visible = who.visible(unit)
    async with service.work() as ports:
        found = await coverage(ports, service.rules, list(visible) if visible is not None else None, since, until)
    return [
        {**each.__dict__, "kind": each.kind.value, "items": list(each.items), "not_covered": list(each.not_covered)}
        for each in found
    ]


@router.get("/spot-checks")
async def spot_checks(listing: Listed, service: Service) -> list[dict[str, Any]]:
    """Spot checks (查岗); `state`: planned, asked, answered or unanswered."""
    return await _listed(service, lambda ports: ports.spot_checks, listing)


def mount(api: FastAPI) -> None:
    api.include_router(router)
