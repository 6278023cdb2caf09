"""The fake Aliyun itself: it pushes like Aliyun (JSON arrays, again after a refusal) and answers like its API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from testbed.fakes.aliyun import FakeAliyun
from testbed.fakes.asgi_server import AsgiServer


class Receiver:
    """A push subscriber that refuses the first `refuse` pushes with 503."""

    def __init__(self, refuse: int) -> None:
        self.refuse = refuse
        self.bodies: list[Any] = []
        self.server = AsgiServer(Starlette(routes=[Route("/push", self.receive, methods=["POST"])]))

    async def receive(self, request: Request) -> JSONResponse:
        self.bodies.append(await request.json())
        if len(self.bodies) <= self.refuse:
            return JSONResponse({"code": 1}, status_code=503)
        return JSONResponse({"code": 0, "msg": "成功"})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(refuse=2)
    with receiver.server:
        yield receiver


async def test_a_refused_push_is_pushed_again_until_taken(receiver: Receiver) -> None:
    """Two 503s, then 200: the same batch arrives three times and the push is recorded as taken."""
    with FakeAliyun(retry_delays=(0.05, 0.05, 0.05)) as fake:
        fake.subscribe("SmsUp", receiver.server.url("/push"))
        pushed = await fake.send_uplink("+8613800138001", "确认 4821")
    assert pushed is not None and pushed.status == 200
    assert len(receiver.bodies) == 3
    assert receiver.bodies[0] == receiver.bodies[2]
    [up] = receiver.bodies[0]
    assert (up["phone_number"], up["content"]) == ("13800138001", "确认 4821")


async def test_a_push_refused_every_time_is_given_up_after_the_retries(receiver: Receiver) -> None:
    """Like Aliyun, the fake stops after its retries; the last answer is on the record."""
    receiver.refuse = 10
    with FakeAliyun(retry_delays=(0.01, 0.01)) as fake:
        fake.subscribe("VoiceReport", receiver.server.url("/push"))
        fake.subscribe("SmsUp", receiver.server.url("/push"))
        pushed = await fake.send_uplink("+8613800138001", "1")
    assert pushed is not None and pushed.status == 503
    assert len(receiver.bodies) == 3


def test_unknown_message_types_are_refused() -> None:
    """Only Aliyun's four message types can be subscribed."""
    with pytest.raises(ValueError, match="message type"):
        FakeAliyun().subscribe("SmsReports", "http://x")
