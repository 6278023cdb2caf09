"""Reply codes (per recipient and run, reused only once their run or incident is over) and inbound texts."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any  # SQLAlchemy's statements are Select[Any], its rows untyped tuples of the columns

from sqlalchemy import Select, Table, and_, bindparam, delete, insert, select

from services.notifier.adapters.tables import Rows
from services.notifier.domain.codes import InboundText, ReplyCode
from services.notifier.domain.runs import OPEN
from services.runtime.store import insert_into

__all__ = ["SqlInboundTexts", "SqlReplyCodes"]


def as_reply_code(row: Any) -> ReplyCode:
    """A `reply_codes` row, a tuple in column order, as a ReplyCode."""
    return ReplyCode(*row)


class SqlReplyCodes(Rows):
    """Implements `ports.ReplyCodes`."""

    async def codes_for(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The codes already issued to these (phone, run_id) pairs."""
        # By run only: a run holds a few codes, while a busy number holds thousands, and given both
        # conditions SQLite walks the number's.
        parameters = {"run_ids": list({run_id for _, run_id in pairs})}
        rows = await self.session.fetch(_codes_of_runs(self.t.reply_codes), parameters)
        return {(row.phone, row.run_id): row.code for row in rows if (row.phone, row.run_id) in pairs}

    async def held_codes(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (phone, code) pairs are issued now."""
        parameters = {"phones": list({phone for phone, _ in pairs}), "codes": list({code for _, code in pairs})}
        rows = await self.session.fetch(_held(self.t.reply_codes), parameters)
        return {(row.phone, row.code) for row in rows} & set(pairs)

    async def codes_held_by(self, phone: str) -> set[str]:
        codes = self.t.reply_codes.c
        return set((await self.session.execute(select(codes.code).where(codes.phone == phone))).scalars())

    async def add_codes(self, codes: Sequence[ReplyCode]) -> None:
        await self.session.insert(insert_into(self.t.reply_codes), [dataclasses.asdict(code) for code in codes])

    async def code_holder(self, phone: str, code: str) -> ReplyCode | None:
        codes = self.t.reply_codes.c
        query = select(self.t.reply_codes).where(codes.phone == phone, codes.code == code)
        row = (await self.session.execute(query)).first()
        return None if row is None else as_reply_code(row)

    async def latest_open_alert(self, phone: str) -> ReplyCode | None:
        """The newest code issued to this number whose track still waits for an acknowledgement."""
        codes, tracks = self.t.reply_codes.c, self.t.tracks.c
        query = (
            select(self.t.reply_codes)
            .join(self.t.tracks, and_(tracks.id == codes.track_id))
            .where(codes.phone == phone, tracks.state == OPEN)
            .order_by(codes.issued_at.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else as_reply_code(row)

    async def free_codes(self, run_ids: Sequence[str]) -> None:
        await self.session.execute(delete(self.t.reply_codes).where(self.t.reply_codes.c.run_id.in_(run_ids)))


class SqlInboundTexts(Rows):
    """Implements `ports.InboundTexts`."""

    async def inbound_seen(self, ref: str) -> bool:
        """This provider message was handled before (the provider retried its webhook)."""
        query = select(self.t.inbound.c.id).where(self.t.inbound.c.provider_ref == ref)
        return (await self.session.execute(query)).first() is not None

    async def record_inbound(self, text: InboundText) -> None:
        await self.session.execute(insert(self.t.inbound).values(**vars(text)))

    async def unknown_replies_since(self, phone: str, since: datetime) -> list[datetime]:
        inbound = self.t.inbound.c
        query = select(inbound.received_at).where(
            inbound.phone == phone, inbound.meaning == "unknown", inbound.received_at > since
        )
        return [row.received_at for row in (await self.session.execute(query)).all()]


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
