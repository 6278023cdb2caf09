"""值班 (who is on duty now and next), 值班表 (the month's table, XLSX, iCal) and 值班日志."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature

from services.board.adapters.duty_table import person_calendar, plan_workbook
from services.board.adapters.web.backend import Backend, Board, Csrf, Seen, refusal
from services.board.adapters.web.render import LOCAL_ZONE, page
from services.board.adapters.web.session import Viewer
from services.board.domain import DutyLine
from services.board.handlers import duty_lines, units_of
from services.board.ports import Refused, Unreachable

__all__ = ["duty_router", "lines_with_next"]

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
LOG_KINDS = {"call": "来电", "instruction": "传达指示", "other": "其他"}
duty_router = APIRouter()


async def lines_with_next(backend: Backend, seen: Viewer) -> list[DutyLine]:
    """The read model's lines, each with the roster's next shift (asked for all units at once)."""
    now = backend.now()
    async with backend.work() as ports:
        lines = await duty_lines(ports, seen.units, now)
    roster = backend.owners.roster
    nexts = await asyncio.gather(
        *(roster.next_duty(seen.token, line.unit.id, line.shift.ends_at if line.shift else now) for line in lines)
    )
    return [DutyLine(line.unit, line.shift, line.check_in, found) for line, found in zip(lines, nexts, strict=True)]


@duty_router.get("/duty", response_class=HTMLResponse)
async def duty(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    return page(request, "duty.html", lines=await lines_with_next(backend, seen), now=backend.now())


@duty_router.get("/duty/rows", response_class=HTMLResponse)
async def duty_rows(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    return page(request, "_duty_rows.html", lines=await lines_with_next(backend, seen), now=backend.now())


def _this_month(backend: Backend) -> str:
    return backend.now().astimezone(LOCAL_ZONE).strftime("%Y-%m")


async def _plan(backend: Backend, seen: Viewer, unit: str, month: str) -> dict[str, Any]:
    seen.require(unit)
    try:
        return await backend.owners.roster.month_plan(seen.token, unit, month)
    except Refused as refused:
        raise HTTPException(422, refused.message) from None
    except Unreachable:
        raise HTTPException(502, "值班表服务暂时无法连接，请稍后再试") from None


@duty_router.get("/table", response_class=HTMLResponse)
async def table(
    request: Request,
    seen: Seen,
    backend: Board,
    unit: str | None = None,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
) -> HTMLResponse:
    async with backend.work() as ports:
        units = await units_of(ports, seen.units)
    chosen = unit or (units[0].id if units else None)
    month = month or _this_month(backend)
    plan = await _plan(backend, seen, chosen, month) if chosen else None
    links = {
        person["id"]: (person["name"], backend.links.dumps([chosen, person["id"]]))
        for row in (plan or {}).get("rows", [])
        for person in (row["officer"], row["leader"])
        if person
    }
    return page(request, "table.html", units=units, unit=chosen, month=month, plan=plan, links=links)


@duty_router.get("/table.xlsx")
async def table_xlsx(seen: Seen, backend: Board, unit: str, month: Annotated[str, Query(pattern=MONTH)]) -> Response:
    plan = await _plan(backend, seen, unit, month)
    filename = f"duty-{unit}-{month}.xlsx"
    return Response(
        plan_workbook(plan),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@duty_router.get("/calendar/{key}.ics")
async def calendar_feed(key: str, backend: Board) -> Response:
    """One person's shifts this month and the next two, for a phone's calendar; the key is a signed link."""
    try:
        unit, person = backend.links.loads(key)
    except BadSignature:
        raise HTTPException(404, "no such calendar") from None
    first = backend.now().astimezone(LOCAL_ZONE).date().replace(day=1)
    months = [(first + timedelta(days=31 * step)).strftime("%Y-%m") for step in range(3)]
    try:
        plans = [await backend.owners.roster.month_plan(backend.feed_token(), unit, month) for month in months]
    except (Refused, Unreachable) as error:
        raise HTTPException(502, f"the roster did not answer: {error}") from None
    return Response(person_calendar(person, plans, backend.now()), media_type="text/calendar; charset=utf-8")


@duty_router.get("/log", response_class=HTMLResponse)
async def duty_log(
    request: Request, seen: Seen, backend: Board, unit: str | None = None, day: date | None = None
) -> HTMLResponse:
    async with backend.work() as ports:
        units = await units_of(ports, seen.units)
    chosen = unit or (units[0].id if units else None)
    day = day or backend.now().astimezone(LOCAL_ZONE).date()
    return await _log_page(request, seen, backend, units, chosen, day)


async def _log_page(
    request: Request, seen: Viewer, backend: Backend, units: Any, unit: str | None, day: date, **extra: Any
) -> HTMLResponse:
    entries: list[dict[str, Any]] = []
    problem = extra.pop("error", None)
    if unit is not None:
        seen.require(unit)
        try:
            entries = await backend.owners.roster.duty_log(seen.token, unit, day)
        except (Refused, Unreachable) as error:
            problem = problem or f"值班日志暂时无法读取：{error}"
    status = extra.pop("status_code", 200)
    return page(
        request,
        "log.html",
        status_code=status,
        units=units,
        unit=unit,
        day=day,
        entries=entries,
        kinds=LOG_KINDS,
        error=problem,
        **extra,
    )


@duty_router.post("/log", response_class=HTMLResponse)
async def write_log(
    request: Request,
    seen: Seen,
    backend: Board,
    _csrf: Csrf,
    unit: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    text: Annotated[str, Form()],
    author: Annotated[str, Form()],
) -> Response:
    seen.require(unit)
    async with backend.work() as ports:
        units = await units_of(ports, seen.units)
    day = backend.now().astimezone(LOCAL_ZONE).date()
    try:
        await backend.owners.roster.write_log(seen.token, unit, kind, text, author)
    except (Refused, Unreachable) as error:
        status, message = refusal(error, "值班日志服务暂时无法连接，未记录，请稍后重试")
        return await _log_page(request, seen, backend, units, unit, day, error=message, status_code=status)
    return RedirectResponse(f"/log?unit={quote(unit)}&saved=1", status_code=303)
