"""Escalation timer lateness: 10,000 open runs whose first steps fall due over 60 s, swept every second.

Lateness of a step = when its SMS was handed to the provider − when the step was due. The notifier runs
in-process on a SQLite file (or DUTYWATCH_NOTIFIER_DATABASE_URL) with the console provider writing to a
temp folder; the sweep is called every `--every` seconds as the service's scheduler would.
Ends with one JSON line: runs, lateness_p50_s, lateness_p99_s (target ≤ 1), lateness_max_s, rss_mb.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from services.notifier.adapters.console import ConsoleProvider
from services.notifier.app import Notifier
from services.notifier.domain import Contact
from services.notifier.domain.runs import NewRun, NewTrack
from services.notifier.settings import Settings

INSERT_BATCH = 500


class ShiftedClock:
    """Real time, moved by `offset`."""

    offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def add_runs(notifier: Notifier, count: int, start: datetime, spread_s: float) -> None:
    for first in range(0, count, INSERT_BATCH):
        async with notifier.work() as ports:
            for n in range(first, min(first + INSERT_BATCH, count)):
                contact = Contact(f"officer {n}", f"+86139{n:08d}")
                run = NewRun("incident", f"bench-{n}", f"unit-{n % 200}", "incident", "【较大】测试", "测试",
                             [NewTrack(f"unit-{n % 200}", "incident", {"officer": contact})])  # fmt: skip
                await ports.runs.add_run(run, start, first_due=start + timedelta(seconds=spread_s * n / count))


async def lateness(notifier: Notifier) -> list[float]:
    tables = notifier.database.tables
    query = select(tables.attempts.c.sent_at, tables.runs.c.created_at, tables.runs.c.subject_id).join(
        tables.runs, tables.runs.c.id == tables.attempts.c.run_id
    )
    async with notifier.work.session() as session:
        rows = (await session.execute(query.where(tables.attempts.c.sent_at.is_not(None)))).all()
    return [row.sent_at.timestamp() - due_of(row) for row in rows]


DUE: dict[str, float] = {}
SWEEP_S: list[float] = []


async def count_sent(notifier: Notifier) -> int:
    attempts = notifier.database.tables.attempts.c
    async with notifier.work.session() as session:
        return int((await session.execute(select(func.count()).where(attempts.sent_at.is_not(None)))).scalar_one())


def due_of(row: object) -> float:
    return DUE[row.subject_id]  # type: ignore[attr-defined]


async def main(runs: int, spread_s: float, every_s: float, database_url: str) -> dict[str, float]:
    data_dir = Path(tempfile.mkdtemp(prefix="notifier-bench-"))
    settings = Settings(data_dir=data_dir, database_url=database_url)
    quiet = ConsoleProvider(data_dir, "http://127.0.0.1:8103/webhooks/twilio/sms", Console(file=io.StringIO()))
    clock = ShiftedClock()
    notifier = Notifier(settings, clock=clock, providers={"console": quiet})
    await notifier.runtime.store.create_tables()
    start = datetime.now(UTC) + timedelta(days=1)
    await add_runs(notifier, runs, start, spread_s)
    for n in range(runs):
        DUE[f"bench-{n}"] = (start + timedelta(seconds=spread_s * n / runs)).timestamp()
    # Writing 10,000 runs takes a while; the notifier's clock is moved so that the window opens only now.
    clock.offset = start - datetime.now(UTC)
    deadline = time.monotonic() + spread_s + 120
    while True:
        tick = time.monotonic()
        await notifier.settle()
        SWEEP_S.append(time.monotonic() - tick)
        sent = await count_sent(notifier)
        if sent >= runs or tick > deadline:
            break
        await asyncio.sleep(max(0.0, every_s - (time.monotonic() - tick)))
    late = sorted(await lateness(notifier))
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()
    return {
        "runs": runs,
        "sent": len(late),
        "lateness_p50_s": round(statistics.median(late), 3),
        "lateness_p99_s": round(late[int(len(late) * 0.99) - 1], 3),
        "lateness_max_s": round(late[-1], 3),
        "sweep_p99_s": round(sorted(SWEEP_S)[int(len(SWEEP_S) * 0.99) - 1], 3),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which the steps fall due")
    parser.add_argument("--every", type=float, default=Settings().sweep_every_s, help="sweep interval in seconds")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temp folder")
    options = parser.parse_args()
    url = options.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='notifier-bench-db-')}/n.sqlite3"
    print(json.dumps(asyncio.run(main(options.runs, options.spread, options.every, url))))
