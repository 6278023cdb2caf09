"""A route that FastAPI documents like any other, served without FastAPI's per-request work.

For each request FastAPI resolves every parameter of a route as a dependency, validates the body through an
adapter of its own, then validates and serializes what the endpoint returns. On the incident intake, which every
alert starts with, that cost about 0.3 ms of CPU per request (README, Benchmarks). A `PlainJsonRoute`'s endpoint
is called with three arguments, in this order: the body, validated against the model its first parameter names;
the caller, whom `BearerFirst` found before the body was read; and the app's backend. It returns its Response.
An invalid body raises FastAPI's own RequestValidationError, each error's `loc` under "body", so the 422 reads as
any other route's; as on FastAPI's routes, a body is read as JSON only when its Content-Type says it is (a
browser can send text/plain to another site without asking first).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from services.runtime.auth import Caller, request_caller

__all__ = ["PlainJsonRoute"]

JSON = "application/json"
PlainEndpoint = Callable[[Any, Caller, Any], Awaitable[Response]]


class PlainJsonRoute(APIRoute):
    """The route class of an endpoint `(body, caller, backend) -> Response` (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        model = self._body_model()
        endpoint: PlainEndpoint = self.endpoint

        async def handle(request: Request) -> Response:
            body = validated_body(model, await request.body(), request.headers.get("content-type"))
            return await endpoint(body, request_caller(request), request.app.state.backend)

        return handle

    def _body_model(self) -> type[BaseModel]:
        """The model of the endpoint's body; TypeError, when the route is made, for an endpoint not of this shape."""
        if len(inspect.signature(self.endpoint).parameters) != 3:
            raise TypeError(f"{self.path}: a PlainJsonRoute's endpoint takes (body, caller, backend)")
        bodies = self.dependant.body_params
        model = bodies[0].field_info.annotation if len(bodies) == 1 else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{self.path}: a PlainJsonRoute's body is a pydantic model, not {model!r}")
        return model


def validated_body(model: type[BaseModel], raw: bytes, content_type: str | None) -> Any:
    """`raw` as `model`; RequestValidationError naming each bad field under "body" otherwise, or the body itself
    when its Content-Type is not JSON's."""
    if not is_json(content_type):
        wrong = {"type": "json_type", "loc": ("body",), "msg": f"expected Content-Type: {JSON}", "input": content_type}
        raise RequestValidationError([wrong], body=raw)
    try:
        return model.model_validate_json(raw)
    except ValidationError as invalid:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in invalid.errors(include_url=False)]
        raise RequestValidationError(errors, body=raw) from None


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").partition(";")[0].strip().lower()
    return media == JSON or (media.startswith("application/") and media.endswith("+json"))
