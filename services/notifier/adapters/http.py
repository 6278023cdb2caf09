"""The notifier's HTTP API: reading runs, sending and following broadcasts; each call with a bearer token.

A token for some units reads their runs and broadcasts to them; a broadcast to every unit needs a token
allowed for every unit (the municipal bureau's, an integrating system's).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from schemas.broadcast import BroadcastSent
from schemas.notify import RunSubject
from services.notifier.adapters.http_models import BroadcastAccepted, BroadcastOut, BroadcastRequest, RunOut
from services.notifier.domain.broadcasts import Broadcast
from services.notifier.ports import Ports
from services.runtime.auth import Caller, caller
from services.runtime.unit_of_work import UnitOfWork

__all__ = ["api_routes"]

Calling = Annotated[Caller, Depends(caller)]


def api_routes(work: UnitOfWork[Ports], bureau_unit_id: str | None, clock: Callable[[], datetime]) -> APIRouter:
    router = APIRouter()

    @router.get("/runs/{run_id}")
    async def get_run(run_id: str, calling: Calling) -> RunOut:
        """A run with its tracks (per recipient), attempts and their outcomes."""
        async with work() as ports:
            run = await ports.runs.find_run(run_id)
            if run is None:
                raise HTTPException(404, f"no run {run_id}")
            calling.require_visible(run.unit_id, f"run {run_id}")
            tracks = await ports.tracks.tracks_of(run_id)
            attempts = await ports.attempts.attempts_of(run_id)
        return RunOut.of(run, tracks, attempts)

    @router.post("/broadcasts", status_code=202)
    async def post_broadcast(request: BroadcastRequest, calling: Calling) -> BroadcastAccepted:
        """Record the notice on `notify.requests` (through the outbox); the notifier then runs it per unit."""
        may_reach(calling, request.target_unit_ids)
        async with work() as ports:
            sender = request.unit_id or bureau_unit_id or await bureau_of(ports)
            calling.require(sender)
            event = BroadcastSent(
                unit_id=sender,
                broadcast_id=str(uuid.uuid4()),
                title=request.title,
                text=request.text,
                sent_by=request.sent_by,
                target_unit_ids=request.target_unit_ids,
                sent_at=clock(),
            )
            await ports.broadcasts.add_broadcast(Broadcast.sent(event))
            event_id = uuid.uuid4()
            await ports.outgoing.publish(event, event.broadcast_id, event_id=event_id)
        return BroadcastAccepted(broadcast_id=event.broadcast_id, event_id=event_id)

    @router.get("/broadcasts/{broadcast_id}")
    async def get_broadcast(broadcast_id: str, calling: Calling) -> BroadcastOut:
        """The notice and, per unit, whether its on-duty officer acknowledged."""
        async with work() as ports:
            broadcast = await ports.broadcasts.broadcast(broadcast_id)
            if broadcast is None or not may_see(calling, broadcast.target_unit_ids):
                raise HTTPException(404, f"no broadcast {broadcast_id}")
            runs = await ports.runs.runs_for_subject(RunSubject.BROADCAST, broadcast_id)
            tracks = [track for run in runs for track in await ports.tracks.tracks_of(run.id)]
        return BroadcastOut.of(broadcast, [run.id for run in runs], tracks)

    return router


def may_reach(calling: Caller, unit_ids: list[str] | None) -> None:
    """403 unless the token may act for every unit a broadcast goes to (None: every unit there is)."""
    if unit_ids is None:
        calling.require_every_unit("a broadcast to every unit")
        return
    for unit_id in unit_ids:
        calling.require(unit_id)


def may_see(calling: Caller, unit_ids: list[str] | None) -> bool:
    """Whether the token may follow a broadcast: one to every unit needs every unit, else each unit it went to."""
    if unit_ids is None:
        return calling.units is None
    return all(calling.may_act_for(unit_id) for unit_id in unit_ids)


async def bureau_of(ports: Ports) -> str:
    """The sending bureau when neither the request nor the settings name one: the directory's one top unit."""
    tops = await ports.directory.top_unit_ids()
    if len(tops) == 1:
        return tops[0]
    known = (
        f"its top units are {', '.join(sorted(tops))}" if tops else "the unit directory is empty (import the roster)"
    )
    raise HTTPException(409, f"no sending bureau: {known}; give unit_id or set DUTYWATCH_NOTIFIER_BROADCAST_UNIT_ID")
