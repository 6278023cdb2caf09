"""Bearer tokens of the services' HTTP APIs: each one may act for some units, or for every unit (`*`: an
integrating system, the municipal bureau)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import structlog
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import Scope

from services.runtime.secrets import secret_file
from services.runtime.settings import ApiToken

__all__ = [
    "ADMIN_NAME",
    "ADMIN_TOKEN_FILE",
    "AUTH_ERRORS",
    "Authorized",
    "Caller",
    "TokenBook",
    "admin_token_file",
    "app_backend",
    "caller",
    "caller_of_bearer",
    "embedded_admin_token",
    "identify",
    "request_caller",
    "token_book",
]

log = structlog.get_logger(__name__)
EVERY_UNIT = "*"
ADMIN_TOKEN_FILE = "api-token.txt"  # in the data folder; every service of a stack shares it
ADMIN_NAME = "admin"


@dataclass(frozen=True)
class Caller:
    """Who is calling: their token's name (for the record), and the units it allows (None: every unit)."""

    name: str
    units: frozenset[str] | None

    def may_act_for(self, unit_id: str) -> bool:
        return self.units is None or unit_id in self.units

    def require(self, unit_id: str) -> None:
        if not self.may_act_for(unit_id):
            raise HTTPException(403, f"this token may not act for unit {unit_id!r}")

    def require_visible(self, unit_id: str, what: str) -> None:
        """404 for what belongs to a unit the token may not see: the same answer as for an id that does not exist."""
        if not self.may_act_for(unit_id):
            raise HTTPException(404, f"no {what}")

    def require_every_unit(self, what: str) -> None:
        if self.units is not None:
            raise HTTPException(403, f"{what} needs a token allowed for every unit")

    def visible(self, unit: str | None) -> Sequence[str] | None:
        """The units a listing may show: the asked-for one (if allowed), or all the token's."""
        if unit is not None:
            self.require(unit)
            return [unit]
        return None if self.units is None else sorted(self.units)


class TokenBook:
    """Token → Caller, compared in constant time."""

    def __init__(self, tokens: Mapping[str, ApiToken]) -> None:
        self._callers = [
            (grant.token.get_secret_value().encode(), _caller_of(name, grant.units)) for name, grant in tokens.items()
        ]

    def caller(self, token: str) -> Caller | None:
        given = token.encode()
        for known, found in self._callers:
            if secrets.compare_digest(known, given):
                return found
        return None


def _caller_of(name: str, units: Sequence[str]) -> Caller:
    return Caller(name, None if EVERY_UNIT in units else frozenset(units))


def token_book(tokens: Mapping[str, ApiToken], data_dir: Path) -> TokenBook:
    """The configured tokens; none configured (the embedded mode): the stack's one admin token, in the data folder."""
    if tokens:
        return TokenBook(tokens)
    path = data_dir / ADMIN_TOKEN_FILE
    log.info("no API tokens configured: using the admin token file", path=str(path))
    return TokenBook({ADMIN_NAME: ApiToken(token=SecretStr(admin_token_file(path)), units=[EVERY_UNIT])})


def admin_token_file(path: Path) -> str:
    """The stack's admin token in `path`, made there on first start (0600, race-safe)."""
    return secret_file(path, "API admin token")


_bearer = HTTPBearer(auto_error=False, description="A token from the service's API_TOKENS setting.")


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """FastAPI dependency: `request_caller`. `credentials` declares the bearer scheme in the API's document."""
    return request_caller(request)


def request_caller(request: Request) -> Caller:
    """The caller the guard found (services/runtime/http_guard.py); on an app without it, the one the bearer token
    names (401 without a token or with one we do not know)."""
    found: Caller | None = getattr(request.state, "caller", None)
    if found is not None:
        return found
    return caller_of_bearer(request.app.state.tokens, request.scope)


def identify(book: TokenBook, token: str | None) -> Caller:
    """The caller a bearer token names; HTTP 401 without a token or with one we do not know."""
    unauthorized = {"WWW-Authenticate": "Bearer"}
    if not token:
        raise HTTPException(401, "missing bearer token (Authorization: Bearer <token>)", headers=unauthorized)
    found = book.caller(token)
    if found is None:
        raise HTTPException(401, "unknown bearer token", headers=unauthorized)
    return found


def caller_of_bearer(book: TokenBook, scope: Scope) -> Caller:
    """The caller the request's `Authorization: Bearer` header names; HTTP 401 as `identify` says."""
    scheme, _, token = (Headers(scope=scope).get("authorization") or "").partition(" ")
    return identify(book, token.strip() if scheme.lower() == "bearer" else None)


Authorized = Annotated[Caller, Depends(caller)]
"""A route's parameter: the caller its bearer token names."""
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token, or one that is not known."},
    403: {"description": "The token may not act for this unit."},
}
"""The errors every route that takes a token documents; a service adds its own."""


async def app_backend(request: Request) -> Any:
    """FastAPI dependency: the app's backend (`app.state.backend`); each service's routes type it by a Protocol."""
    return request.app.state.backend


def embedded_admin_token(data_dir_variable: str) -> str | None:
    """A command line's default token: the embedded stack's admin token, in the data folder that the environment
    variable `data_dir_variable` names (default `var`), when there is one."""
    path = Path(os.environ.get(data_dir_variable, "var")) / ADMIN_TOKEN_FILE
    return path.read_text().strip() if path.exists() else None
