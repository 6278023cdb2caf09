"""Bearer tokens of the services' HTTP APIs: each one may act for some units, or for every unit (`*`: an
integrating system, the municipal bureau)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import structlog
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

__all__ = ["ADMIN_TOKEN_FILE", "Caller", "TokenBook", "admin_token_file", "caller", "token_book"]

log = structlog.get_logger(__name__)
EVERY_UNIT = "*"
ADMIN_TOKEN_FILE = "api-token.txt"  # in the data folder; every service of a stack shares it


@dataclass(frozen=True)
class Caller:
    """Who is calling: the units their token allows (None: every unit)."""

    units: frozenset[str] | None

    def may_act_for(self, unit_id: str) -> bool:
        return self.units is None or unit_id in self.units

    def require(self, unit_id: str) -> None:
        if not self.may_act_for(unit_id):
            raise HTTPException(403, f"this token may not act for unit {unit_id!r}")

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

    def __init__(self, tokens: Mapping[str, Sequence[str]]) -> None:
        self._callers = {
            token: Caller(None if EVERY_UNIT in units else frozenset(units)) for token, units in tokens.items()
        }

    def caller(self, token: str) -> Caller | None:
        for known, found in self._callers.items():
            if secrets.compare_digest(known.encode(), token.encode()):
                return found
        return None


def token_book(tokens: Mapping[str, Sequence[str]], data_dir: Path) -> TokenBook:
    """The configured tokens; none configured: the stack's one admin token, kept in the data folder."""
    if tokens:
        return TokenBook(tokens)
    path = data_dir / ADMIN_TOKEN_FILE
    log.info("no API tokens configured: using the admin token file", path=str(path))
    return TokenBook({admin_token_file(path): [EVERY_UNIT]})


def admin_token_file(path: Path) -> str:
    """The token in `path`, made there on first start. Services starting together may race to make it: the
    file appears whole (linked in from a temporary file) or not at all, and the loser reads the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(24) + "\n")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
            log.info("generated the API admin token", path=str(path))
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _read_token(path)


def _read_token(path: Path) -> str:
    token = path.read_text().strip()
    if not token:
        raise ValueError(f"{path} is empty: write a token in it, or delete it to have one made")
    return token


_bearer = HTTPBearer(auto_error=False, description="A token from the service's API_TOKENS setting.")


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
