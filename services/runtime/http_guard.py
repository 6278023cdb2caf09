"""What every service's HTTP API does before a route sees a request, from its headers alone: the bearer token
of an API route is checked, and a body past the limit is refused.

FastAPI reads and parses a body before it resolves a route's dependencies, the token check among them: without
this, anyone could make a pod read and parse whatever they send. The limit is FastAPI's own (`max_body_size`):
413 as soon as the declared length, or the bytes read so far, pass it.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from services.runtime.auth import identify

__all__ = ["OPEN_PATHS", "BearerFirst", "guard"]

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
        scheme, _, token = (Headers(scope=scope).get("authorization") or "").partition(" ")
        try:
            found = identify(scope["app"].state.tokens, token.strip() if scheme.lower() == "bearer" else None)
        except HTTPException as refused:
            response = JSONResponse({"detail": refused.detail}, refused.status_code, headers=refused.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = found
        await self.app(scope, receive, send)


def guard(api: FastAPI) -> FastAPI:
    """Check the token first on a service's app (made with `max_body_size=settings.max_body_bytes`)."""
    if api.max_body_size is None:
        raise ValueError("a service's API needs a body limit: FastAPI(max_body_size=settings.max_body_bytes)")
    api.add_middleware(BearerFirst)
    return api
