"""Every service's HTTP API refuses a large body, and a request without a token, without reading the body."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from services.board.app import create_app as board_app
from services.board.settings import Settings as BoardSettings
from services.duty_roster.app import create_app as roster_app
from services.duty_roster.settings import Settings as RosterSettings
from services.incident.app import create_app as incident_app
from services.incident.settings import Settings as IncidentSettings
from services.notifier.app import create_app as notifier_app
from services.notifier.settings import Settings as NotifierSettings
from services.rounds.app import create_app as rounds_app
from services.rounds.settings import Settings as RoundsSettings

TOKEN = "guard-test-token-0123456789abcdef"
TOKENS = {"bureau": {"token": TOKEN, "units": ["*"]}}
TEN_MB = 10 * 1024 * 1024
CHUNK = 64 * 1024


def roster(data_dir: Path) -> FastAPI:
    return roster_app(RosterSettings(data_dir=data_dir, api_tokens=TOKENS))  # type: ignore[arg-type]


def incident(data_dir: Path) -> FastAPI:
    return incident_app(IncidentSettings(data_dir=data_dir, api_tokens=TOKENS))  # type: ignore[arg-type]


def notifier(data_dir: Path) -> FastAPI:
    return notifier_app(NotifierSettings(data_dir=data_dir, api_tokens=TOKENS))  # type: ignore[arg-type]


def rounds(data_dir: Path) -> FastAPI:
    return rounds_app(RoundsSettings(data_dir=data_dir, api_tokens=TOKENS))  # type: ignore[arg-type]


def board(data_dir: Path) -> FastAPI:
    return board_app(BoardSettings(data_dir=data_dir, api_tokens=TOKENS))  # type: ignore[arg-type]


SERVICES: dict[str, tuple[Callable[[Path], FastAPI], str]] = {
    "duty_roster": (roster, "/units/maojian/overrides"),
    "incident": (incident, "/incidents"),
    "notifier": (notifier, "/broadcasts"),
    "rounds": (rounds, "/leaves"),
}


class Sender:
    """An HTTP client at the ASGI level: it offers `size` bytes of not-JSON and counts what the app reads."""

    def __init__(self, size: int) -> None:
        self.remaining, self.read = size, 0
        self.status: int | None = None

    async def receive(self) -> dict[str, Any]:
        chunk = min(CHUNK, self.remaining)
        self.remaining -= chunk
        self.read += chunk
        return {"type": "http.request", "body": b"x" * chunk, "more_body": self.remaining > 0}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]


async def post(api: FastAPI, path: str, size: int, *, token: str | None, declared: bool) -> Sender:
    headers = [(b"content-type", b"application/json")]
    headers += [(b"content-length", str(size).encode())] if declared else [(b"transfer-encoding", b"chunked")]
    headers += [(b"authorization", f"Bearer {token}".encode())] if token else []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8100),
    }
    sender = Sender(size)
    await api(scope, sender.receive, sender.send)
    return sender


@pytest.mark.parametrize("service", SERVICES)
async def test_a_10_mb_body_is_413_without_being_read(service: str, tmp_path: Path) -> None:
    """With a good token, a body declared as 10 MB is refused 413 before a byte is read; one sent without a
    length is refused once the limit is passed, not parsed (that would be a 422)."""
    make, path = SERVICES[service]
    declared = await post(make(tmp_path), path, TEN_MB, token=TOKEN, declared=True)
    assert (declared.status, declared.read) == (413, 0)
    streamed = await post(make(tmp_path), path, TEN_MB, token=TOKEN, declared=False)
    assert streamed.status == 413 and streamed.read <= 2 * CHUNK


@pytest.mark.parametrize("service", SERVICES)
async def test_the_token_is_checked_before_the_body_is_read(service: str, tmp_path: Path) -> None:
    """Without a token, or with an unknown one, the answer is 401 and the body is never read."""
    make, path = SERVICES[service]
    anonymous = await post(make(tmp_path), path, CHUNK, token=None, declared=False)
    unknown = await post(make(tmp_path), path, CHUNK, token="not-a-known-token", declared=True)
    assert (anonymous.status, anonymous.read, unknown.status, unknown.read) == (401, 0, 401, 0)


async def test_the_boards_forms_have_the_same_limit(tmp_path: Path) -> None:
    """The board's pages are a browser's, logged in with a session cookie, so no bearer token is asked first;
    a body declared as 10 MB is refused 413 all the same, before a byte is read."""
    declared = await post(board(tmp_path), "/login", TEN_MB, token=None, declared=True)
    assert (declared.status, declared.read) == (413, 0)
