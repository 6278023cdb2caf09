"""The rounds service's part of the fault run: every round that fell due reached its assignee by SMS, and every
round missed reached someone as an alert, although the rounds service was SIGKILLed and the broker frozen.

Read from the rounds service's and the notifier's own stores and the fake Twilio's request log.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.bench_stack import BenchSystem
from services.rounds.domain import LOCAL_TZ

__all__ = ["ROUNDS_ENV", "rounds_outcome"]

HERE = Path(__file__).parent
ROUNDS_ENV = {
    "DUTYWATCH_ROUNDS_PLANS_FILE": str(HERE / "faults_rounds.yaml"),
    "DUTYWATCH_ROUNDS_HORIZON_HOURS": "0.2",
    "DUTYWATCH_ROUNDS_SWEEP_EVERY_S": "1",
    "DUTYWATCH_ROUNDS_PLAN_EVERY_S": "10",
    "DUTYWATCH_ROUNDS_LOG_JSON": "true",
}
SETTLE_S = 60


def _rounds(data_dir: Path, until: datetime) -> list[dict[str, Any]]:
    """Rounds that fell due by `until`, as the rounds service stored them."""
    with sqlite3.connect(data_dir / "rounds.sqlite3") as db:
        documents = [json.loads(doc) for (doc,) in db.execute("SELECT doc FROM rounds WHERE state != 'planned'")]
    return [doc for doc in documents if datetime.fromisoformat(doc["due_at"]) <= until]


def _alerted_rounds(system: BenchSystem) -> set[str]:
    """Rounds whose missed-round alert reached the provider."""
    with sqlite3.connect(system.data_dir / "notifier.sqlite3") as db:
        query = "SELECT a.id, r.subject_id FROM attempts a JOIN runs r ON r.id = a.run_id WHERE r.subject = ?"
        attempts = dict(db.execute(query, ("round_missed",)).fetchall())
    alerted = set()
    for request in system.twilio.read_requests():
        callback = request.form.get("StatusCallback", "") or request.form.get("Url", "")
        attempt = parse_qs(urlsplit(callback).query).get("attempt", [""])[0]
        if attempt in attempts:
            alerted.add(attempts[attempt])
    return alerted


def _texted(system: BenchSystem, round_: dict[str, Any]) -> bool:
    deadline = datetime.fromisoformat(round_["deadline"]).astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    needle = f"巡 {round_['code']} 正常"
    return any(
        needle in request.form.get("Body", "") and deadline in request.form.get("Body", "")
        for request in system.twilio.requests
        if request.path.endswith("/Messages.json")
    )


def _count(system: BenchSystem, until: datetime) -> dict[str, int]:
    rounds = _rounds(system.data_dir, until)
    missed = [
        each for each in rounds if each["state"] == "missed" and datetime.fromisoformat(each["deadline"]) <= until
    ]
    alerted = _alerted_rounds(system)
    return {
        "rounds_due": len(rounds),
        "rounds_lost": sum(not _texted(system, each) for each in rounds),
        "rounds_missed": len(missed),
        "missed_alerts_lost": sum(each["id"] not in alerted for each in missed),
    }


async def rounds_outcome(system: BenchSystem, until: datetime) -> dict[str, int]:
    """The counts once nothing is lost, or as they stand after SETTLE_S."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        counts = _count(system, until)
        if (counts["rounds_lost"] == counts["missed_alerts_lost"] == 0) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(2)
