"""Reply codes (per recipient and run, reused only once their run or incident is over) and inbound texts."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, delete, func, insert, select

from schemas.notify import RunSubject
from services.notifier.adapters.tables import Rows
from services.runtime.store import insert_into

__all__ = ["ReplyRows", "fresh_code"]

OPEN = "open"


class ReplyRows(Rows):
    """What an inbound SMS can be matched against, and what came in."""

    async def codes_for(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The codes already issued to these (phone, run_id) pairs."""
        # By run only: a run holds a few codes, while a busy number holds thousands, and given both
        # conditions SQLite walks the number's.
        parameters = {"run_ids": list({run_id for _, run_id in pairs})}
        rows = (await self.session.execute(_codes_of_runs(self.t.reply_codes), parameters)).all()
        return {(row.phone, row.run_id): row.code for row in rows if (row.phone, row.run_id) in pairs}

    async def held_codes(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (phone, code) pairs are issued now."""
        parameters = {"phones": list({phone for phone, _ in pairs}), "codes": list({code for _, code in pairs})}
        rows = (await self.session.execute(_held(self.t.reply_codes), parameters)).all()
        return {(row.phone, row.code) for row in rows} & set(pairs)

    async def codes_held_by(self, phone: str) -> set[str]:
        codes = self.t.reply_codes.c
        return set((await self.session.execute(select(codes.code).where(codes.phone == phone))).scalars())

    async def add_codes(self, rows: Sequence[dict[str, Any]]) -> None:
        await self.session.insert(insert_into(self.t.reply_codes), rows)

    async def code_holder(self, phone: str, code: str) -> Any:
        codes = self.t.reply_codes.c
        return (
            await self.session.execute(select(self.t.reply_codes).where(codes.phone == phone, codes.code == code))
        ).first()

    async def latest_open_alert(self, phone: str) -> Any:
        """The newest code issued to this number whose track still waits for an acknowledgement."""
        codes, tracks = self.t.reply_codes.c, self.t.tracks.c
        query = (
            select(self.t.reply_codes)
            .join(self.t.tracks, and_(tracks.id == codes.track_id))
            .where(codes.phone == phone, tracks.state == OPEN)
            .order_by(codes.issued_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).first()

    async def free_codes(self, run_ids: Sequence[str]) -> None:
        await self.session.execute(delete(self.t.reply_codes).where(self.t.reply_codes.c.run_id.in_(run_ids)))

    async def inbound_seen(self, ref: str) -> bool:
        """This provider message was handled before (the provider retried its webhook)."""
        query = select(self.t.inbound.c.id).where(self.t.inbound.c.provider_ref == ref)
        return (await self.session.execute(query)).first() is not None

    async def record_inbound(self, phone: str, text: str, meaning: str, ref: str | None, now: datetime) -> None:
        await self.session.execute(
            insert(self.t.inbound).values(phone=phone, text=text, meaning=meaning, provider_ref=ref, received_at=now)
        )

    async def unknown_replies_since(self, phone: str, since: datetime) -> list[datetime]:
        inbound = self.t.inbound.c
        query = select(inbound.received_at).where(
            inbound.phone == phone, inbound.meaning == "unknown", inbound.received_at > since
        )
        return [row.received_at for row in (await self.session.execute(query)).all()]

    async def answers_to_unit_since(self, unit_id: str, since: datetime) -> int:
        """How many answer SMS (help, already acknowledged) went to numbers of `unit_id` since `since`."""
        runs = self.t.runs.c
        query = (
            select(func.count())
            .select_from(self.t.runs)
            .where(runs.subject == RunSubject.MESSAGE.value, runs.unit_id == unit_id, runs.created_at > since)
        )
        return int(await self.session.scalar(query) or 0)


def fresh_code(taken: set[str]) -> str:
    """A 4-digit code not in `taken` (the codes this number holds now)."""
    for _ in range(100):
        code = f"{secrets.randbelow(9000) + 1000}"
        if code not in taken:
            return code
    return next(f"{number}" for number in range(1000, 10000) if f"{number}" not in taken)


# Statements on the escalation path, built once: building one costs several times running it.
@functools.cache
def _codes_of_runs(codes: Table) -> Select[Any]:
    columns = codes.c
    return select(columns.phone, columns.run_id, columns.code).where(
        columns.run_id.in_(bindparam("run_ids", expanding=True))
    )


@functools.cache
def _held(codes: Table) -> Select[Any]:
    columns = codes.c
    return select(columns.phone, columns.code).where(
        columns.phone.in_(bindparam("phones", expanding=True)), columns.code.in_(bindparam("codes", expanding=True))
    )
