"""The bare path: e2e_latency's load, broker, fake Twilio and machine, with nothing but I/O in between.

`python bench/bare_pipeline.py [--seconds 60] [--rates 200]`, from the repository root. Two processes stand
in for the services. `intake` answers each POST by producing one record: no validation, no store, no
outbox. `dispatch` consumes the records and sends each as an SMS to the fake Twilio, with nothing recorded
first; it answers the status callbacks with 204 and no signature check. Whatever the services do on this
path costs more than this, so its `ratio_p99` is the best any implementation can reach on this machine and
broker. Each rate runs on a new broker. It ends with one JSON line: `floor_p99_ms`, and per rate `p50_ms`,
`p99_ms`, `ratio_p99`, `p99_ms_by_third`, `cpu_percent`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import uvloop
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.bench_stack import OUR_NUMBER, FakeTwilioProcess, fake_twilio, process_sample
from bench.kafka_floor import measure_floor
from bench.load import QUIET_S, latency_figures, post_at_rate, until_first_sms
from schemas.topics import Topic
from services.runtime.embedded_broker import EmbeddedBroker, create_topics, free_port
from services.runtime.settings import KafkaSettings

OFFICER = "+8613800000001"
READY_S = 60


async def _listen(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()


def serve_intake(bootstrap: str, topic: str, port: int, ready: Event) -> None:
    async def serve() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
        await producer.start()

        async def report(request: web.Request) -> web.Response:
            body = await request.read()
            await producer.send(topic, body, key=json.loads(body)["unit_id"].encode())
            return web.json_response({"accepted": True}, status=201)

        app = web.Application()
        app.router.add_post("/incidents", report)
        await _listen(app, port)
        ready.set()
        await asyncio.Event().wait()

    uvloop.run(serve())


def serve_dispatch(bootstrap: str, topic: str, port: int, twilio: dict[str, str], ready: Event) -> None:
    async def serve() -> None:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"{topic}.dispatch",
            auto_offset_reset="earliest",
            fetch_max_wait_ms=KafkaSettings().fetch_max_wait_ms,
        )
        await consumer.start()

        async def status(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/status", status)
        await _listen(app, port)
        auth = aiohttp.BasicAuth(twilio["sid"], twilio["token"])
        messages = f"{twilio['base_url']}/2010-04-01/Accounts/{twilio['sid']}/Messages.json"
        async with aiohttp.ClientSession(auth=auth) as client:

            async def send(value: bytes) -> None:
                incident = json.loads(value)
                form = {
                    "To": OFFICER,
                    "From": OUR_NUMBER,
                    "Body": f"{incident['location']} {incident['summary']}",
                    "StatusCallback": f"http://127.0.0.1:{port}/status",
                }
                async with client.post(messages, data=form) as response:
                    await response.read()

            while not consumer.assignment():
                await asyncio.sleep(0.05)
            ready.set()
            sending: set[asyncio.Task[None]] = set()
            while True:
                for records in (await consumer.getmany(timeout_ms=500, max_records=200)).values():
                    for record in records:
                        task = asyncio.create_task(send(record.value or b"{}"))
                        sending.add(task)
                        task.add_done_callback(sending.discard)
                await consumer.commit()

    uvloop.run(serve())


@dataclass
class BarePipeline:
    broker: EmbeddedBroker
    twilio: FakeTwilioProcess
    intake_url: str
    processes: Mapping[str, multiprocessing.process.BaseProcess]

    def pids(self) -> dict[str, int]:
        stand_ins = {name: process.pid for name, process in self.processes.items() if process.pid is not None}
        broker = {"broker": pid} if (pid := self.broker.pid) is not None else {}
        return stand_ins | broker | {"fake_twilio": self.twilio.process.pid}


@asynccontextmanager
async def bare_pipeline() -> AsyncIterator[BarePipeline]:
    data_dir = Path(tempfile.mkdtemp(prefix="dutywatch-bare-"))
    broker = EmbeddedBroker(log_file=data_dir / "broker.log")
    await broker.start()
    try:
        topic = f"bench.bare.{uuid.uuid4().hex[:6]}"
        await create_topics(broker.bootstrap, [Topic(topic, 3, "")])
        with fake_twilio(data_dir / "provider-requests.jsonl") as twilio:
            twilio_access = {"base_url": twilio.base_url, "sid": twilio.account_sid, "token": twilio.auth_token}
            intake_port = free_port()
            spawn = multiprocessing.get_context("spawn")
            readiness = {"intake": spawn.Event(), "dispatch": spawn.Event()}
            dispatch_args = (broker.bootstrap, topic, free_port(), twilio_access, readiness["dispatch"])
            processes = {
                "intake": spawn.Process(
                    target=serve_intake, args=(broker.bootstrap, topic, intake_port, readiness["intake"]), daemon=True
                ),
                "dispatch": spawn.Process(target=serve_dispatch, args=dispatch_args, daemon=True),
            }
            with _running(processes):
                for name, ready in readiness.items():
                    if not await asyncio.to_thread(ready.wait, READY_S):
                        raise RuntimeError(f"the bare {name} did not start within {READY_S} s")
                yield BarePipeline(broker, twilio, f"http://127.0.0.1:{intake_port}/incidents", processes)
    finally:
        broker.stop()


@contextmanager
def _running(processes: Mapping[str, multiprocessing.process.BaseProcess]) -> Iterator[None]:
    for process in processes.values():
        process.start()
    try:
        yield
    finally:
        for process in processes.values():
            process.kill()
            process.join(10)


async def run_rate(pipeline: BarePipeline, rate: int, seconds: int) -> dict[str, Any]:
    cpu_before = {name: process_sample(pid)[0] for name, pid in pipeline.pids().items()}
    own_before = time.process_time()
    started = time.monotonic()
    offered = await post_at_rate(pipeline.intake_url, rate, seconds)
    elapsed = time.monotonic() - started
    cpu = {
        name: round(100 * (process_sample(pid)[0] - cpu_before[name]) / elapsed, 1)
        for name, pid in pipeline.pids().items()
    }
    cpu["load_generator"] = round(100 * (time.process_time() - own_before) / elapsed, 1)
    await until_first_sms(pipeline.twilio, offered.sent)
    arrived = pipeline.twilio.first_sms_at
    return {
        "sent": len(offered.sent),
        "reached_provider": sum(1 for n in offered.sent if n in arrived),
        **latency_figures(offered.sent, arrived),
        "cpu_percent": cpu,
    }


async def main(seconds: int, rates: list[int]) -> dict[str, Any]:
    floor: dict[str, float] = {}
    results: dict[str, Any] = {}
    for rate in rates:
        async with bare_pipeline() as pipeline:
            await asyncio.sleep(QUIET_S)
            if not floor:
                floor = await measure_floor(pipeline.broker.bootstrap, messages=2000, rate_per_s=200)
                print(f"floor: {floor}", file=sys.stderr)
            result = await run_rate(pipeline, rate, seconds)
        result["ratio_p99"] = round(result["p99_ms"] / floor["floor_p99_ms"], 2)
        print(f"{rate}/s: {result}", file=sys.stderr)
        results[str(rate)] = result
    return {**floor, "seconds_per_rate": seconds, "rates": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rates", default="200")
    arguments = parser.parse_args()
    rates = [int(rate) for rate in arguments.rates.split(",")]
    figures = uvloop.run(main(arguments.seconds, rates))
    print(json.dumps(figures, ensure_ascii=False))
