"""A PlainJsonRoute answers and is documented as a FastAPI route would be, without FastAPI's per-request work."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Response
from pydantic import BaseModel, Field, SecretStr

from services.runtime.auth import Authorized, TokenBook, app_backend
from services.runtime.http_guard import service_api
from services.runtime.plain_route import PlainJsonRoute
from services.runtime.settings import ApiToken

TOKEN = "plain-route-token-0123456789abcdef"


class Order(BaseModel):
    unit_id: str
    count: int = Field(ge=1)


class Taken(BaseModel):
    unit_id: str
    count: int
    by: str
    backend: str


Service = Annotated[Any, Depends(app_backend)]


async def take_order(body: Order, who: Authorized, backend: Service) -> Response:
    """Take an order."""
    who.require(body.unit_id)
    taken = Taken(unit_id=body.unit_id, count=body.count, by=who.name, backend=backend.name)
    return Response(taken.model_dump_json(), 201, media_type="application/json")


def app(*, bearer_first: bool = True) -> FastAPI:
    api = service_api(1024, bearer_first=bearer_first)
    api.state.tokens = TokenBook({"bureau": ApiToken(token=SecretStr(TOKEN), units=["u1"])})
    api.state.backend = SimpleNamespace(name="the backend")
    router = APIRouter()
    router.add_api_route(
        "/orders", take_order, methods=["POST"], status_code=201, response_model=Taken,
        route_class_override=PlainJsonRoute,
    )  # fmt: skip
    api.include_router(router)
    return api


async def post(api: FastAPI, content: bytes, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
        return await client.post("/orders", content=content, headers=headers)


JSON = {"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("bearer_first", [True, False])
async def test_the_endpoint_gets_the_validated_body_the_caller_and_the_backend(bearer_first: bool) -> None:
    response = await post(app(bearer_first=bearer_first), b'{"unit_id": "u1", "count": 2}', **JSON)
    assert response.status_code == 201
    assert response.json() == {"unit_id": "u1", "count": 2, "by": "bureau", "backend": "the backend"}


async def test_a_bad_field_is_a_422_naming_it_under_body() -> None:
    response = await post(app(), b'{"unit_id": "u1", "count": 0}', **JSON)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "count"]
    assert error["type"] == "greater_than_equal"


@pytest.mark.parametrize(
    ("content", "content_type", "kind"),
    [
        (b'{"unit_id": ', "application/json", "json_invalid"),
        (b"", "application/json", "json_invalid"),
        (b"[]", "application/json", "model_type"),
        (b'{"unit_id": "u1", "count": 2}', "text/plain", "json_type"),
        (b'{"unit_id": "u1", "count": 2}', "application/x-www-form-urlencoded", "json_type"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_a_422_naming_the_body(
    content: bytes, content_type: str, kind: str
) -> None:
    response = await post(app(), content, **{**JSON, "content-type": content_type})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body"]
    assert error["type"] == kind


async def test_json_with_a_suffix_and_parameters_is_json() -> None:
    headers = {**JSON, "content-type": "application/merge-patch+json; charset=utf-8"}
    response = await post(app(), b'{"unit_id": "u1", "count": 1}', **headers)
    assert response.status_code == 201


@pytest.mark.parametrize("bearer_first", [True, False])
async def test_without_a_known_token_it_is_a_401(bearer_first: bool) -> None:
    body = b'{"unit_id": "u1", "count": 1}'
    missing = await post(app(bearer_first=bearer_first), body, **{"content-type": "application/json"})
    unknown = await post(app(bearer_first=bearer_first), body, **{**JSON, "authorization": "Bearer nope"})
    assert (missing.status_code, unknown.status_code) == (401, 401)


async def test_the_endpoints_own_refusal_stands() -> None:
    response = await post(app(), b'{"unit_id": "u2", "count": 1}', **JSON)
    assert response.status_code == 403


async def test_a_body_past_the_limit_is_a_413() -> None:
    response = await post(app(), b'{"unit_id": "' + b"x" * 2000 + b'", "count": 1}', **JSON)
    assert response.status_code == 413


async def test_it_is_documented_as_fastapi_documents_a_route() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://test") as client:
        document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/orders"]["post"]
    assert operation["description"] == "Take an order."
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Order"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Taken"
    }
    assert operation["security"] == [{"HTTPBearer": []}]


def test_a_body_that_is_not_a_model_is_refused_when_the_route_is_made() -> None:
    async def count_only(body: Annotated[int, Body()], who: Authorized, backend: Service) -> Response:
        return Response()

    router = APIRouter()
    with pytest.raises(TypeError, match="/count: a PlainJsonRoute's body is a pydantic model"):
        router.add_api_route("/count", count_only, methods=["POST"], route_class_override=PlainJsonRoute)


def test_an_endpoint_of_another_shape_is_refused_when_the_route_is_made() -> None:
    async def with_response(body: Order, who: Authorized, backend: Service, response: Response) -> Response:
        return response

    router = APIRouter()
    with pytest.raises(TypeError, match="/orders: a PlainJsonRoute's endpoint takes"):
        router.add_api_route("/orders", with_response, methods=["POST"], route_class_override=PlainJsonRoute)
