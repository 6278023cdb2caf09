"""What every service's HTTP API does before a route sees a request, from its headers alone: the bearer token
of an API route is checked, and a body past the limit is refused.

FastAPI reads and parses a body before it resolves a route's dependencies, the token check among them: without
this, anyone could make a pod read and parse whatever they send. The limit is FastAPI's own (`max_body_size`):
413 as soon as the declared length, or the bytes read so far, pass it.

FastAPI's own OpenTelemetry is off: the services' metrics are Prometheus's (`/metrics`), and with it on FastAPI
asks the global providers on every request whether anyone listens, which cost about 20 µs a request.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp, Receive, Scope, Send

from services.runtime.auth import caller_of_bearer

__all__ = ["OPEN_PATHS", "BearerFirst", "service_api"]

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
# Open without a bearer token: probes, metrics and the API documents (GET, no body), and the providers'
# webhooks, which prove themselves with a signature or push token of their own.
OPEN_PATHS = ("/health/", "/metrics", "/docs", "/redoc", "/openapi.json", "/webhooks/")


class BearerFirst:
    """ASGI middleware: a request to an API route without a known bearer token is answered 401 before a byte
    of its body is read; a known one leaves its caller in the request's state for the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        try:
            found = caller_of_bearer(scope["app"].state.tokens, scope)
        except HTTPException as refused:
            response = JSONResponse({"detail": refused.detail}, refused.status_code, headers=refused.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = found
        await self.app(scope, receive, send)


def service_api(max_body_bytes: int, *, bearer_first: bool = True, **options: Any) -> FastAPI:
    """A service's app: FastAPI with `options`, a body limit and no OpenTelemetry; with `bearer_first` (an API
    whose routes all take a bearer token, but for OPEN_PATHS) the token checked before the body is read."""
    api = FastAPI(max_body_size=max_body_bytes, telemetry=NO_TELEMETRY, **options)
    if bearer_first:
        api.add_middleware(BearerFirst)
    return api
