"""Coalesced runs: a burst of requests costs one run, and nobody returns before a run that saw their request."""

from __future__ import annotations

import asyncio

from services.runtime.coalesce import Coalesced


async def test_a_burst_of_requests_while_a_run_is_on_shares_one_more_run() -> None:
    """Ten requests during a run make exactly one further run, and each request returns after it."""
    runs: list[int] = []
    gate = asyncio.Event()

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            await gate.wait()

    coalesced = Coalesced(job)
    first = asyncio.create_task(coalesced())
    await asyncio.sleep(0)
    burst = [asyncio.create_task(coalesced()) for _ in range(10)]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, *burst)
    assert runs == [0, 1]


async def test_a_request_after_a_run_finished_gets_a_run_of_its_own() -> None:
    """Requests made one after another each see a fresh run."""
    runs: list[str] = []

    async def job() -> None:
        runs.append("run")

    coalesced = Coalesced(job)
    await coalesced()
    await coalesced()
    assert runs == ["run", "run"]


async def test_kick_runs_the_job_without_waiting_for_it() -> None:
    """kick() returns at once; the run happens soon after."""
    done = asyncio.Event()

    async def job() -> None:
        done.set()

    Coalesced(job).kick()
    await asyncio.wait_for(done.wait(), 1)
