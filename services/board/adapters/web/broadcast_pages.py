"""广播: notices and warnings with each unit's acknowledgement; sending one through the notifier's API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.board.adapters.web.backend import Backend, Board, Csrf, Seen, refusal
from services.board.adapters.web.render import page
from services.board.adapters.web.session import Viewer
from services.board.handlers import BroadcastView, broadcast_views, units_of
from services.board.ports import Refused, Unreachable

__all__ = ["broadcast_router"]

broadcast_router = APIRouter()


async def _views(backend: Backend, seen: Viewer) -> list[BroadcastView]:
    async with backend.work() as ports:
        return await broadcast_views(ports, seen.units)


async def _page(request: Request, backend: Backend, seen: Viewer, status_code: int = 200, **extra: Any) -> Response:
    async with backend.work() as ports:
        units = await units_of(ports, seen.units)
    views = await _views(backend, seen)
    every_unit = seen.units is None
    return page(
        request,
        "broadcasts.html",
        status_code=status_code,
        broadcasts=views,
        units=units,
        every_unit=every_unit,
        **extra,
    )


@broadcast_router.get("/broadcasts", response_class=HTMLResponse)
async def broadcasts(request: Request, seen: Seen, backend: Board) -> Response:
    return await _page(request, backend, seen)


@broadcast_router.get("/broadcasts/rows", response_class=HTMLResponse)
async def broadcast_rows(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    return page(request, "_broadcast_rows.html", broadcasts=await _views(backend, seen))


@broadcast_router.post("/broadcasts", response_class=HTMLResponse)
async def send(
    request: Request,
    seen: Seen,
    backend: Board,
    _csrf: Csrf,
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
    sent_by: Annotated[str, Form()],
    units: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """To the chosen units, or (a token for every unit, nothing chosen) to every unit."""
    targets = units or (None if seen.units is None else sorted(seen.units))
    try:
        await backend.owners.notifier.broadcast(seen.token, title, text, sent_by, targets)
    except (Refused, Unreachable) as error:
        status, message = refusal(error, "通知服务暂时无法连接，广播未发出，请稍后重试")
        form = {"title": title, "text": text, "sent_by": sent_by}
        return await _page(request, backend, seen, status, error=message, form=form)
    return RedirectResponse("/broadcasts?sent=1", status_code=303)
