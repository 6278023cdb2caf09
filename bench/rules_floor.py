"""The rules' floor: the bare pipeline's two stand-ins doing, for each incident, what DESIGN.md's rules and its
flow ask of any implementation of this design, by hand, with nothing else.

`python bench/rules_floor.py [--seconds 60] [--rates 100]`, from the repository root; the bare pipeline's load,
broker, fake Twilio and figures (`bench/bare_pipeline.py`), its one JSON line, with `recorded` per rate: how many
attempts the dispatch recorded as delivered and how many attempt events reached the intake's timeline (each
incident's work done: one and two). Against the bare path, each stand-in keeps a SQLite file in WAL mode and
returns from a transaction only once its log is synced (the services' `WalSync`):

- `intake` checks the bearer token and the fields, writes the incident and its event to the outbox in one
  transaction before it answers 201, publishes the event, and marks it sent in its next transaction. It consumes
  the dispatch's attempt events into the incident's timeline, dropping an event id it has seen (its inbox).
- `dispatch` records each incident event it consumes (inbox) with the attempt it makes, before calling the
  provider; records the provider's answers together (as the notifier does, gathering for 20 ms) with an
  `attempt sent` event; checks each status callback's `X-Twilio-Signature` (HMAC-SHA1 over the URL and the
  form); for `delivered`, records it with an `attempt delivered` event.

The two attempt events are this design's flow (the incident's timeline shows each alert sent and delivered), not
a rule of its own. Left out, though the services must do them: the envelope's other fields, validating what is
consumed and dead-lettering what fails, retries, several tokens, the roster lookup, deduplication, deadlines and
escalation steps as timer rows, reply codes, leases, metrics and logs, and every framework (FastAPI, SQLAlchemy,
Twilio's SDK). An implementation of this design on this stack (Python, aiohttp or heavier, aiokafka, SQLite) does
all of this and more, so the CPU this spends is a floor for it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from bench.bare_pipeline import (
    Wiring,
    consumer_of,
    dispatch_url,
    from_command_line,
    listen,
    send_sms,
    twilio_client,
)
from bench.bench_stack import TOKEN
from services.notifier.sending.dispatcher import RECORD_GATHER_S
from services.runtime.consumer_group import COMMIT_EVERY_S
from services.runtime.settings import KafkaSettings, UnhurriedKafkaSettings
from services.runtime.wal_sync import WalSync

REQUIRED = ("unit_id", "type", "severity", "occurred_at", "location", "summary")
SCHEMA = (
    "CREATE TABLE rows (id TEXT PRIMARY KEY, kind TEXT NOT NULL, incident TEXT NOT NULL, body BLOB, status TEXT)",
    "CREATE TABLE outbox (id TEXT PRIMARY KEY, topic TEXT NOT NULL, key BLOB, value BLOB, sent INTEGER DEFAULT 0)",
    "CREATE TABLE inbox (event_id TEXT PRIMARY KEY)",
)
RECORDED_WAIT_S = 30
T = TypeVar("T")
Outgoing = tuple[str, bytes, bytes]  # topic, key, value


class DurableStore:
    """A SQLite file in WAL mode whose `write` returns once the log holds the transaction on disk: the services'
    own `WalSync`, commits that come in during a sync sharing the next."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        for statement in SCHEMA:
            self._db.execute(statement)
        self._sync = WalSync(str(path))

    async def write(self, effect: Callable[[sqlite3.Connection], T]) -> T:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            result = effect(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._sync.wrote()
        await self._sync.until_durable()
        return result


class Outbox:
    """Events written with the change they announce, published once it is durable, marked sent the next time."""

    def __init__(self, store: DurableStore, producer: AIOKafkaProducer) -> None:
        self._store = store
        self._producer = producer
        self._published: list[str] = []

    async def write(self, effect: Callable[[sqlite3.Connection], Sequence[Outgoing]]) -> None:
        """Run `effect` and put the events it returns, in one durable transaction; then publish them."""

        def with_events(db: sqlite3.Connection) -> list[tuple[str, Outgoing]]:
            events = [(uuid.uuid4().hex, event) for event in effect(db)]
            db.executemany("INSERT INTO outbox (id, topic, key, value) VALUES (?, ?, ?, ?)",
                           [(id_, *event) for id_, event in events])  # fmt: skip
            marked, self._published = self._published, []
            db.executemany("UPDATE outbox SET sent = 1 WHERE id = ?", [(id_,) for id_ in marked])
            return events

        for id_, (topic, key, value) in await self._store.write(with_events):
            delivery = await self._producer.send(topic, value, key=key)
            delivery.add_done_callback(lambda done, id_=id_: self._mark_if_placed(done, id_))

    def _mark_if_placed(self, delivery: asyncio.Future[Any], id_: str) -> None:
        if not delivery.cancelled() and delivery.exception() is None:
            self._published.append(id_)


def event(kind: str, incident: Mapping[str, Any], **fields: Any) -> bytes:
    return json.dumps({"event_id": uuid.uuid4().hex, "type": kind, **incident, **fields}).encode()


async def consume(
    consumer: AIOKafkaConsumer, handle: Callable[[list[ConsumerRecord[bytes, bytes]]], Any], ready: Event
) -> None:
    """Once the group has given partitions, say ready; then hand each fetched batch to `handle` and commit offsets
    after it, at most every COMMIT_EVERY_S (as the services' consumer group)."""
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    ready.set()
    committed_at = 0.0
    while True:
        fetched = await consumer.getmany(timeout_ms=1000, max_records=200)
        records = [record for batch in fetched.values() for record in batch]
        if records:
            await handle(records)
        if time.monotonic() - committed_at >= COMMIT_EVERY_S:
            await consumer.commit()
            committed_at = time.monotonic()


def first_time(db: sqlite3.Connection, event_id: str) -> bool:
    return db.execute("INSERT OR IGNORE INTO inbox VALUES (?)", (event_id,)).rowcount == 1


async def started_producer(wiring: Wiring) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(bootstrap_servers=wiring.bootstrap, linger_ms=0)
    await producer.start()
    return producer


def serve_intake(wiring: Wiring, ready: Event) -> None:
    async def serve() -> None:
        store = DurableStore(wiring.data_dir / "intake.db")
        outbox = Outbox(store, await started_producer(wiring))

        async def report(request: web.Request) -> web.Response:
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return web.json_response({"detail": "unknown token"}, status=401)
            body = await request.read()
            incident = json.loads(body)
            if missing := [name for name in REQUIRED if not incident.get(name)]:
                return web.json_response({"detail": f"missing: {missing}"}, status=422)
            incident_id = uuid.uuid4().hex
            reported = event("incident.reported", incident, incident_id=incident_id)

            def add(db: sqlite3.Connection) -> list[Outgoing]:
                db.execute("INSERT INTO rows VALUES (?, 'incident', ?, ?, 'open')", (incident_id, incident_id, body))
                return [(wiring.incidents, incident["unit_id"].encode(), reported)]

            await outbox.write(add)
            return web.json_response({"id": incident_id}, status=201)

        async def timeline(records: list[ConsumerRecord[bytes, bytes]]) -> None:
            def append(db: sqlite3.Connection) -> None:
                for record in records:
                    attempt = json.loads(record.value or b"{}")
                    if first_time(db, attempt["event_id"]):
                        row = (attempt["event_id"], attempt["type"], attempt["incident_id"], record.value)
                        db.execute("INSERT INTO rows VALUES (?, ?, ?, ?, '')", row)

            await store.write(append)

        consumer = consumer_of(wiring, wiring.attempts, "intake", UnhurriedKafkaSettings().fetch_max_wait_ms)
        await consumer.start()
        app = web.Application()
        app.router.add_post("/incidents", report)
        await listen(app, wiring.intake_port)
        await consume(consumer, timeline, ready)

    uvloop.run(serve())


def serve_dispatch(wiring: Wiring, ready: Event) -> None:
    async def serve() -> None:
        store = DurableStore(wiring.data_dir / "dispatch.db")
        outbox = Outbox(store, await started_producer(wiring))
        answered: list[tuple[str, bytes]] = []  # attempt id, the provider's answer
        recorder: asyncio.Task[None] | None = None
        sending: set[asyncio.Task[None]] = set()
        token = wiring.twilio["token"].encode()

        async def start_attempts(records: list[ConsumerRecord[bytes, bytes]]) -> None:
            attempts: list[tuple[str, dict[str, Any]]] = []

            def add(db: sqlite3.Connection) -> None:
                for record in records:
                    incident = json.loads(record.value or b"{}")
                    if first_time(db, incident["event_id"]):
                        attempt_id = uuid.uuid4().hex
                        db.execute("INSERT INTO rows VALUES (?, 'attempt', ?, ?, 'dispatching')",
                                   (attempt_id, incident["incident_id"], record.value))  # fmt: skip
                        attempts.append((attempt_id, incident))

            await store.write(add)
            for attempt_id, incident in attempts:
                task = asyncio.create_task(send(attempt_id, incident))
                sending.add(task)
                task.add_done_callback(sending.discard)

        async def send(attempt_id: str, incident: dict[str, Any]) -> None:
            nonlocal recorder
            answered.append((attempt_id, await send_sms(client, wiring, incident, f"?attempt={attempt_id}")))
            if recorder is None or recorder.done():
                recorder = asyncio.create_task(record_answers())

        async def record_answers() -> None:
            """Record the answers that came in, together, until none is left (ends with nothing left unrecorded)."""
            while answered:
                await asyncio.sleep(RECORD_GATHER_S)
                batch = answered[:]
                del answered[:]

                def mark(db: sqlite3.Connection, batch: list[tuple[str, bytes]] = batch) -> list[Outgoing]:
                    sent = []
                    for attempt_id, answer in batch:
                        sid = json.loads(answer)["sid"]
                        db.execute("UPDATE rows SET status = 'sent', body = ? WHERE id = ?", (sid, attempt_id))
                        sent.append(attempt_event(db, "attempt.sent", attempt_id, provider_ref=sid))
                    return sent

                await outbox.write(mark)

        def attempt_event(db: sqlite3.Connection, kind: str, attempt_id: str, **fields: Any) -> Outgoing:
            (incident_id,) = db.execute("SELECT incident FROM rows WHERE id = ?", (attempt_id,)).fetchone()
            payload = {"incident_id": incident_id, "attempt_id": attempt_id}
            return wiring.attempts, incident_id.encode(), event(kind, payload, **fields)

        async def status(request: web.Request) -> web.Response:
            form = dict(parse_qsl((await request.read()).decode(), keep_blank_values=True))
            signed = dispatch_url(wiring) + request.path_qs + "".join(k + form[k] for k in sorted(form))
            expected = base64.b64encode(hmac.new(token, signed.encode(), hashlib.sha1).digest()).decode()
            if not hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", "")):
                return web.json_response({"detail": "invalid or missing X-Twilio-Signature"}, status=403)
            if form.get("MessageStatus") != "delivered":
                return web.Response(status=204)
            attempt_id = request.query["attempt"]

            def mark(db: sqlite3.Connection) -> list[Outgoing]:
                db.execute("UPDATE rows SET status = 'delivered' WHERE id = ?", (attempt_id,))
                return [attempt_event(db, "attempt.delivered", attempt_id)]

            await outbox.write(mark)
            return web.Response(status=204)

        consumer = consumer_of(wiring, wiring.incidents, "dispatch", KafkaSettings().fetch_max_wait_ms)
        await consumer.start()
        app = web.Application()
        app.router.add_post("/status", status)
        await listen(app, wiring.dispatch_port)
        async with twilio_client(wiring.twilio) as client:
            await consume(consumer, start_attempts, ready)

    uvloop.run(serve())


async def recorded(data_dir: Path, incidents: int) -> dict[str, int]:
    """What the stand-ins recorded: once each incident's attempt is delivered and both its attempt events are on
    the intake's timeline, or after RECORDED_WAIT_S; a shortfall means the floor skipped work it claims to do."""
    deadline = time.monotonic() + RECORDED_WAIT_S
    while True:
        counts = {
            "attempts_delivered": _count(data_dir / "dispatch.db", "kind = 'attempt' AND status = 'delivered'"),
            "timeline_entries": _count(data_dir / "intake.db", "kind LIKE 'attempt.%'"),
        }
        if all_recorded(counts, incidents) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.5)


def all_recorded(counts: Mapping[str, int], incidents: int) -> bool:
    """Each incident's attempt recorded as delivered and its two attempt events on the intake's timeline."""
    return counts["attempts_delivered"] >= incidents and counts["timeline_entries"] >= 2 * incidents


def _count(database: Path, where: str) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        (count,) = db.execute(f"SELECT count(*) FROM rows WHERE {where}").fetchone()
        return int(count)


if __name__ == "__main__":
    from_command_line(__doc__.splitlines()[0], "100", serve_intake, serve_dispatch, recorded)
