"""交接班: the incident service's handover records of the viewer's units, each with its open items, and the
outgoing and incoming officer's signatures, signed from the page (the record stays the incident service's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.board.adapters.web.backend import Backend, Board, Csrf, Seen, refusal
from services.board.adapters.web.render import page
from services.board.adapters.web.session import Viewer
from services.board.handlers import units_of
from services.board.ports import Refused, Unreachable

__all__ = ["handover_router"]

ROLES = {"outgoing": "交班人", "incoming": "接班人"}
handover_router = APIRouter()


async def _records(backend: Backend, seen: Viewer) -> list[dict[str, Any]]:
    """The incident service answers for the viewer's token; its units only, newest first."""
    found = await backend.owners.incident.handovers(seen.token)
    return [record for record in found if seen.units is None or record["unit_id"] in seen.units]


async def _handover_page(
    request: Request, seen: Viewer, backend: Backend, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    async with backend.work() as ports:
        names = {unit.id: unit.name for unit in await units_of(ports, seen.units)}
    try:
        records = await _records(backend, seen)
    except (Refused, Unreachable) as problem:
        records, error = [], error or f"交接班记录暂时无法读取：{problem}"
    context = {"handovers": records, "names": names, "roles": ROLES, "error": error, "now": backend.now()}
    return page(request, "handover.html", status_code=status_code, **context)


@handover_router.get("/handover", response_class=HTMLResponse)
async def handovers(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    return await _handover_page(request, seen, backend)


@handover_router.post("/handover/{handover_id}/sign", response_class=HTMLResponse)
async def sign(
    request: Request,
    handover_id: str,
    seen: Seen,
    backend: Board,
    _csrf: Csrf,
    role: Annotated[str, Form()],
    by: Annotated[str, Form()],
) -> Response:
    """The signature goes to the incident service with the viewer's token (it refuses another unit's record)."""
    try:
        await backend.owners.incident.sign_handover(seen.token, handover_id, role, by)
    except (Refused, Unreachable) as error:
        status, message = refusal(error, "事件服务暂时无法连接，未签字，请稍后重试")
        return await _handover_page(request, seen, backend, status, message)
    return RedirectResponse(f"/handover?signed={role}#{handover_id}", status_code=303)
