"""Puts the pages on the app: the session cookie, the routers, the static files, the wall and the errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from services.board.adapters.web.backend import Board, Seen
from services.board.adapters.web.broadcast_pages import broadcast_router
from services.board.adapters.web.duty_pages import duty_router, lines_with_next
from services.board.adapters.web.handover_pages import handover_router
from services.board.adapters.web.incident_pages import incident_router, open_views
from services.board.adapters.web.render import STATIC, page
from services.board.adapters.web.session import LoginNeeded, login_needed, session_router

__all__ = ["mount"]

SESSION_COOKIE = "dutywatch_board"
SESSION_DAYS = 7


async def _root() -> RedirectResponse:
    return RedirectResponse("/duty", status_code=303)


async def _wall(request: Request, seen: Seen, backend: Board) -> HTMLResponse:
    """The big screen: who is on duty and every open incident's clock, no menus, refreshed in place."""
    lines, incidents = await lines_with_next(backend, seen), await open_views(backend, seen)
    return page(request, "wall.html", lines=lines, incidents=incidents, now=backend.now(), wall=True)


def _error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return page(request, "error.html", status_code=error.status_code, message=error.detail)


def _invalid(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    fields = "；".join(f"{'.'.join(str(part) for part in each['loc'][1:])}: {each['msg']}" for each in error.errors())
    return page(request, "error.html", status_code=422, message=f"输入有误：{fields}")


def mount(api: FastAPI, secret: str, secure_cookies: bool) -> None:
    api.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_DAYS * 24 * 3600,
        same_site="lax",
        https_only=secure_cookies,
    )
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.add_api_route("/", _root, include_in_schema=False)
    api.add_api_route("/wall", _wall, response_class=HTMLResponse)
    for router in (session_router, duty_router, handover_router, incident_router, broadcast_router):
        api.include_router(router)
    api.add_exception_handler(LoginNeeded, login_needed)
    api.add_exception_handler(HTTPException, _error_page)
    api.add_exception_handler(RequestValidationError, _invalid)
