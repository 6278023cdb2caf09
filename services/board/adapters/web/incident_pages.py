"""事件 (open incidents and each recipient's clock), the incident page with its report form, and 问责."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.board.adapters.web.backend import Backend, Board, Csrf, Seen, refusal
from services.board.adapters.web.render import LOCAL_ZONE, page
from services.board.adapters.web.session import Viewer
from services.board.domain import rank_units
from services.board.handlers import IncidentView, open_incidents, units_of
from services.board.ports import Refused, Unreachable

__all__ = ["incident_router", "open_views"]

incident_router = APIRouter()


async def open_views(backend: Backend, seen: Viewer) -> list[IncidentView]:
    async with backend.work() as ports:
        return await open_incidents(ports, seen.units, backend.now())


@incident_router.get("/incidents", response_class=HTMLResponse)
async def incidents(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    return page(request, "incidents.html", incidents=await open_views(backend, seen), now=backend.now())


@incident_router.get("/incidents/rows", response_class=HTMLResponse)
async def incident_rows(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    return page(request, "_incident_rows.html", incidents=await open_views(backend, seen), now=backend.now())


async def _detail(backend: Backend, seen: Viewer, incident_id: str) -> dict[str, Any]:
    try:
        found = await backend.owners.incident.incident(seen.token, incident_id)
    except Refused as refused:
        raise HTTPException(404, refused.message) from None
    except Unreachable:
        raise HTTPException(502, "事件服务暂时无法连接，请稍后再试") from None
    seen.require(found["unit_id"])
    return found


async def _incident_page(
    request: Request, backend: Backend, seen: Viewer, incident_id: str, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    found = await _detail(backend, seen, incident_id)
    views = [view for view in await open_views(backend, seen) if view.card.id == incident_id]
    return page(
        request,
        "incident.html",
        status_code=status_code,
        incident=found,
        view=views[0] if views else None,
        now=backend.now(),
        **extra,
    )


@incident_router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident(request: Request, incident_id: str, seen: Seen, backend: Board) -> HTMLResponse:
    return await _incident_page(request, backend, seen, incident_id)


@incident_router.post("/incidents/{incident_id}/reports", response_class=HTMLResponse)
async def file_report(
    request: Request,
    incident_id: str,
    seen: Seen,
    backend: Board,
    _csrf: Csrf,
    kind: Annotated[str, Form()],
    text: Annotated[str, Form()],
    filed_by: Annotated[str, Form()],
) -> Response:
    """The same form as the API's: it goes to the incident service with the viewer's token."""
    await _detail(backend, seen, incident_id)
    try:
        await backend.owners.incident.file_report(seen.token, incident_id, kind, text, filed_by)
    except (Refused, Unreachable) as error:
        status, message = refusal(error, "事件服务暂时无法连接，报告未提交，请稍后重试")
        form = {"kind": kind, "text": text, "filed_by": filed_by}
        return await _incident_page(request, backend, seen, incident_id, status, error=message, form=form)
    return RedirectResponse(f"/incidents/{incident_id}?filed={kind}", status_code=303)


@incident_router.get("/accountability", response_class=HTMLResponse)
async def accountability(
    request: Request,
    seen: Seen,
    backend: Board,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    today = backend.now().astimezone(LOCAL_ZONE).date()
    start, end = start or today - timedelta(days=30), end or today
    async with backend.work() as ports:
        names = {unit.id: unit.name for unit in await units_of(ports, seen.units)}
    error = None
    try:
        lines = await backend.owners.incident.accountability(seen.token, start, end)
    except (Refused, Unreachable) as problem:
        lines, error = [], str(problem)
    return page(
        request, "accountability.html", ranked=rank_units(lines), names=names, start=start, end=end, error=error
    )
