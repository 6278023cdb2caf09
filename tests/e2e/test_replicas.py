"""Two replicas of each service on PostgreSQL, one of each killed and restarted: the replica bench's short run."""

from __future__ import annotations

import pytest

from bench import replicas
from testbed.databases import POSTGRES, POSTGRES_HOST, POSTGRES_PORT

pytestmark = pytest.mark.broker


@pytest.mark.timeout(300)  # about a minute on a quiet machine; six services start and one of each restarts
async def test_two_replicas_of_each_service_share_the_work_and_lose_nothing() -> None:
    """20 incidents over two replicas of each service, one of each SIGKILLed and restarted mid-run: every incident's
    SMS and call go out, no step fires twice, and both incident replicas take intake."""
    if not POSTGRES:
        pytest.skip(f"PostgreSQL not on {POSTGRES_HOST}:{POSTGRES_PORT}: the replica run shares a database per service")
    figures = await replicas.main(incidents=20, rate=4.0, call_after_s=5.0)
    assert figures["incidents"] == 20
    assert (figures["lost"], figures["steps_missed"], figures["steps_fired_twice"]) == (0, 0, 0), figures
    # One duplicate is the window the design accepts: a notifier killed after the provider took a request and
    # before it recorded the answer.
    assert figures["duplicate_requests"] <= 1, figures
    assert set(figures["intake_share"]) == {"a", "b"}, figures
