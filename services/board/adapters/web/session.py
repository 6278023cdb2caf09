"""Login with an API token, the session cookie it leaves, and the CSRF check on every form.

The session (Starlette's SessionMiddleware: a cookie signed with itsdangerous) keeps the token itself, since
every action is a call to an owning service's API with the viewer's own token; the cookie is HttpOnly.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.board.adapters.web.render import page
from services.runtime.auth import TokenBook

__all__ = ["LoginNeeded", "Viewer", "check_csrf", "csrf_token", "login_needed", "session_router", "viewer"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Viewer:
    """The person at the page: the token they logged in with and the units it allows (None: every unit)."""

    token: str
    units: frozenset[str] | None

    def require(self, unit_id: str) -> None:
        if self.units is not None and unit_id not in self.units:
            raise HTTPException(403, f"此令牌无权查看或操作单位 {unit_id}")


class LoginNeeded(Exception):
    """No session, or its token is no longer known."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return str(request.session["csrf"])


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's token, as a form field or (htmx) a header; 403 otherwise."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise HTTPException(403, "表单已失效（CSRF 校验失败），请刷新页面后重试")


async def viewer(request: Request) -> Viewer:
    """FastAPI dependency: the logged-in viewer, checked against the token book on every request."""
    token = request.session.get("token")
    book: TokenBook = request.app.state.tokens
    found = book.caller(token) if isinstance(token, str) else None
    if found is None or not isinstance(token, str):
        request.session.pop("token", None)
        raise LoginNeeded()
    csrf_token(request)
    return Viewer(token, found.units)


def login_needed(request: Request, _error: Exception) -> Response:
    target = "/login?next=" + quote(request.url.path)
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


Csrf = Annotated[None, Depends(check_csrf)]
session_router = APIRouter()


@session_router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/duty") -> HTMLResponse:
    csrf_token(request)
    return page(request, "login.html", next=_local_path(next))


@session_router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, _csrf: Csrf, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/duty"
) -> Response:
    book: TokenBook = request.app.state.tokens
    if not token.strip() or book.caller(token.strip()) is None:
        return page(request, "login.html", status_code=401, next=_local_path(next), error="令牌无效，请核对后重新输入")
    request.session.clear()
    request.session["token"] = token.strip()
    csrf_token(request)
    return RedirectResponse(_local_path(next), status_code=303)


@session_router.post("/logout")
async def logout(request: Request, _csrf: Csrf) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _local_path(target: str) -> str:
    """Only a path on this site: a login must not send anyone elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/duty"
