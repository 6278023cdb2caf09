"""Bearer tokens: each one may report for some units, or for every unit (`*`, an integrating system)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import structlog
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

__all__ = ["Caller", "TokenBook", "admin_token_file", "caller"]

log = structlog.get_logger(__name__)
EVERY_UNIT = "*"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the units their token allows (None: every unit)."""

    units: frozenset[str] | None

    def may_report_for(self, unit_id: str) -> bool:
        return self.units is None or unit_id in self.units

    def require(self, unit_id: str) -> None:
        if not self.may_report_for(unit_id):
            raise HTTPException(403, f"this token may not act for unit {unit_id!r}")

    def visible(self, unit: str | None) -> Sequence[str] | None:
        """The units a listing may show: the asked-for one (if allowed), or all the token's."""
        if unit is not None:
            self.require(unit)
            return [unit]
        return None if self.units is None else sorted(self.units)


class TokenBook:
    """Token → Caller, compared in constant time."""

    def __init__(self, tokens: Mapping[str, Sequence[str]]) -> None:
        self._callers = {
            token: Caller(None if EVERY_UNIT in units else frozenset(units)) for token, units in tokens.items()
        }

    def caller(self, token: str) -> Caller | None:
        for known, found in self._callers.items():
            if secrets.compare_digest(known.encode(), token.encode()):
                return found
        return None


def admin_token_file(path: Path) -> str:
    """The embedded default's one admin token: read from `path`, or generated there on first start."""
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token
    token = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    path.chmod(0o600)
    log.info("generated the incident API admin token", path=str(path))
    return token


_bearer = HTTPBearer(auto_error=False, description="A token from DUTYWATCH_INCIDENT_API_TOKENS.")


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """FastAPI dependency: 401 without a token or with one we do not know."""
    unauthorized = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "missing bearer token (Authorization: Bearer <token>)", headers=unauthorized)
    book: TokenBook = request.app.state.tokens
    found = book.caller(credentials.credentials)
    if found is None:
        raise HTTPException(401, "unknown bearer token", headers=unauthorized)
    return found
