"""The bare path: e2e_latency's load, broker, fake Twilio and machine, with nothing but I/O in between.

`python bench/bare_pipeline.py [--seconds 60] [--rates 200]`, from the repository root. Two processes stand
in for the services. `intake` answers each POST by producing one record: no validation, no store, no
outbox. `dispatch` consumes the records and sends each as an SMS to the fake Twilio, with nothing recorded
first; it answers the status callbacks with 204 and no signature check. Whatever the services do on this
path costs more than this, so its `ratio_p99` is the best any implementation can reach on this machine and
broker. Each rate runs on a new broker. It ends with one JSON line: `floor_p99_ms`, and per rate `p50_ms`,
`p99_ms`, `ratio_p99`, `p99_ms_by_third`, `cpu_percent`. `bench/rules_floor.py` runs the same with stand-ins of
its own (`main`'s `intake` and `dispatch`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
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

from bench.bench_stack import OUR_NUMBER, FakeTwilioProcess, fake_twilio
from bench.kafka_floor import measure_floor
from bench.load import QUIET_S, latency_figures, load_with_cpu, until_first_sms
from schemas.topics import Topic
from services.runtime.embedded_broker import EmbeddedBroker, create_topics, free_port
from services.runtime.settings import KafkaSettings

OFFICER = "+8613800000001"
READY_S = 60


async def listen(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()


@dataclass(frozen=True)
class Wiring:
    """What each stand-in process is told: the broker, the two topics, both ports, the fake Twilio, a folder."""

    bootstrap: str
    incidents: str  # intake → dispatch
    attempts: str  # dispatch → intake (the rules floor's only)
    intake_port: int
    dispatch_port: int
    twilio: dict[str, str]
    data_dir: Path


StandIn = Callable[[Wiring, Event], None]
Recorded = Callable[[Path, int], Awaitable[dict[str, int]]]
"""What the stand-ins recorded in their folder for a run of so many incidents (the rules floor's check)."""


def serve_intake(wiring: Wiring, ready: Event) -> None:
    async def serve() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=wiring.bootstrap, linger_ms=0)
        await producer.start()

        async def report(request: web.Request) -> web.Response:
            body = await request.read()
            await producer.send(wiring.incidents, body, key=json.loads(body)["unit_id"].encode())
            return web.json_response({"accepted": True}, status=201)

        app = web.Application()
        app.router.add_post("/incidents", report)
        await listen(app, wiring.intake_port)
        ready.set()
        await asyncio.Event().wait()

    uvloop.run(serve())


def serve_dispatch(wiring: Wiring, ready: Event) -> None:
    async def serve() -> None:
        consumer = consumer_of(wiring, wiring.incidents, "dispatch", KafkaSettings().fetch_max_wait_ms)
        await consumer.start()

        async def status(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/status", status)
        await listen(app, wiring.dispatch_port)
        async with twilio_client(wiring.twilio) as client:

            async def send(value: bytes) -> None:
                await send_sms(client, wiring, json.loads(value), "")

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


def consumer_of(wiring: Wiring, topic: str, role: str, fetch_max_wait_ms: int) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=wiring.bootstrap,
        group_id=f"{topic}.{role}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )


def twilio_client(twilio: Mapping[str, str]) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(auth=aiohttp.BasicAuth(twilio["sid"], twilio["token"]))


async def send_sms(client: aiohttp.ClientSession, wiring: Wiring, incident: Mapping[str, Any], query: str) -> bytes:
    """Send the officer's SMS for `incident`, its status callback to the dispatch's `/status` with `query`; the
    provider's answer as it came."""
    twilio = wiring.twilio
    form = {
        "To": OFFICER,
        "From": OUR_NUMBER,
        "Body": f"{incident['location']} {incident['summary']}",
        "StatusCallback": f"{dispatch_url(wiring)}/status{query}",
    }
    messages = f"{twilio['base_url']}/2010-04-01/Accounts/{twilio['sid']}/Messages.json"
    async with client.post(messages, data=form) as response:
        return await response.read()


def dispatch_url(wiring: Wiring) -> str:
    return f"http://127.0.0.1:{wiring.dispatch_port}"


@dataclass
class BarePipeline:
    broker: EmbeddedBroker
    twilio: FakeTwilioProcess
    intake_url: str
    processes: Mapping[str, multiprocessing.process.BaseProcess]
    data_dir: Path

    def pids(self) -> dict[str, int]:
        stand_ins = {name: process.pid for name, process in self.processes.items() if process.pid is not None}
        broker = {"broker": pid} if (pid := self.broker.pid) is not None else {}
        return stand_ins | broker | {"fake_twilio": self.twilio.process.pid}


@asynccontextmanager
async def bare_pipeline(
    intake: StandIn = serve_intake, dispatch: StandIn = serve_dispatch
) -> AsyncIterator[BarePipeline]:
    data_dir = Path(tempfile.mkdtemp(prefix="dutywatch-bare-"))
    broker = EmbeddedBroker(log_file=data_dir / "broker.log")
    await broker.start()
    try:
        run = uuid.uuid4().hex[:6]
        topics = (f"bench.bare.{run}", f"bench.bare.{run}.attempts")
        await create_topics(broker.bootstrap, [Topic(topic, 3, "") for topic in topics])
        with fake_twilio(data_dir / "provider-requests.jsonl") as twilio:
            twilio_access = {"base_url": twilio.base_url, "sid": twilio.account_sid, "token": twilio.auth_token}
            wiring = Wiring(broker.bootstrap, *topics, free_port(), free_port(), twilio_access, data_dir)
            spawn = multiprocessing.get_context("spawn")
            readiness = {"intake": spawn.Event(), "dispatch": spawn.Event()}
            processes = {
                "intake": spawn.Process(target=intake, args=(wiring, readiness["intake"]), daemon=True),
                "dispatch": spawn.Process(target=dispatch, args=(wiring, readiness["dispatch"]), daemon=True),
            }
            with _running(processes):
                for name, ready in readiness.items():
                    if not await asyncio.to_thread(ready.wait, READY_S):
                        raise RuntimeError(f"the bare {name} did not start within {READY_S} s")
                intake_url = f"http://127.0.0.1:{wiring.intake_port}/incidents"
                yield BarePipeline(broker, twilio, intake_url, processes, data_dir)
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


async def run_rate(pipeline: BarePipeline, rate: int, seconds: int, recorded: Recorded | None = None) -> dict[str, Any]:
    """The load and its figures; with `recorded`, what the stand-ins recorded of it too."""
    run = await load_with_cpu(pipeline.intake_url, rate, seconds, pipeline.pids())
    await until_first_sms(pipeline.twilio, run.offered.sent)
    arrived = pipeline.twilio.first_sms_at
    figures = {
        "sent": len(run.offered.sent),
        "reached_provider": sum(1 for n in run.offered.sent if n in arrived),
        **latency_figures(run.offered.sent, arrived),
        "load_seconds": round(run.seconds, 3),
        "cpu_percent": run.cpu_percent,
    }
    if recorded is not None:
        figures["recorded"] = await recorded(pipeline.data_dir, len(run.offered.sent))
    return figures


async def main(
    seconds: int,
    rates: list[int],
    intake: StandIn = serve_intake,
    dispatch: StandIn = serve_dispatch,
    recorded: Recorded | None = None,
) -> dict[str, Any]:
    floor: dict[str, float] = {}
    results: dict[str, Any] = {}
    for rate in rates:
        async with bare_pipeline(intake, dispatch) as pipeline:
            await asyncio.sleep(QUIET_S)
            if not floor:
                floor = await measure_floor(pipeline.broker.bootstrap, messages=2000, rate_per_s=200)
                print(f"floor: {floor}", file=sys.stderr)
            result = await run_rate(pipeline, rate, seconds, recorded)
        result["ratio_p99"] = round(result["p99_ms"] / floor["floor_p99_ms"], 2)
        print(f"{rate}/s: {result}", file=sys.stderr)
        results[str(rate)] = result
    return {**floor, "seconds_per_rate": seconds, "rates": results}


def from_command_line(
    description: str, default_rates: str, intake: StandIn, dispatch: StandIn, recorded: Recorded | None = None
) -> None:
    """`--seconds` and `--rates` from the command line, the run, its JSON line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rates", default=default_rates)
    arguments = parser.parse_args()
    rates = [int(rate) for rate in arguments.rates.split(",")]
    figures = uvloop.run(main(arguments.seconds, rates, intake, dispatch, recorded))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    from_command_line(__doc__.splitlines()[0], "200", serve_intake, serve_dispatch)
