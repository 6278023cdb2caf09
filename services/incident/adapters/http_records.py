"""The duty record over HTTP: accountability by unit or person (JSON, CSV, XLSX), the handovers and their
signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.incident.adapters.account_files import CSV, XLSX, account_csv, account_xlsx
from services.incident.adapters.http_deps import ERRORS, Authorized, Service, as_utc, attachment
from services.incident.adapters.http_models import AccountOut, HandoverOut, SignIn
from services.incident.domain import AccountBy, IntakeRefused
from services.incident.handlers import accountability, find_handover, handovers, sign_handover
from services.local_time import LOCAL_TZ

__all__ = ["records"]

EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)
records = APIRouter(tags=["duty record"], responses=ERRORS)


@records.get("/handovers", response_model=list[HandoverOut])
async def get_handovers(
    who: Authorized,
    backend: Service,
    unit: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HandoverOut]:
    """Handovers (交接班), newest first: from whom, to whom, when, which open items, acknowledged when."""
    units = who.visible(unit)
    async with backend.work() as ports:
        found = await handovers(ports, units, as_utc(since), limit)
    return [HandoverOut.of(handover) for handover in found]


@records.post("/handovers/{handover_id}/sign", response_model=HandoverOut)
async def post_handover_signature(handover_id: str, body: SignIn, who: Authorized, backend: Service) -> HandoverOut:
    """The outgoing (交班人) or incoming (接班人) officer signs the handover; each signs once (409 after that)."""
    async with backend.work() as ports:
        who.require_visible((await find_handover(handover_id, ports)).unit_id, f"handover {handover_id!r}")
        signed = await sign_handover(handover_id, body.role, body.by, ports, backend.now())
    return HandoverOut.of(signed)


class AccountFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@records.get(
    "/accountability",
    response_model=list[AccountOut],
    responses={200: {"content": {CSV: {}, XLSX: {}}, "description": "The lines, or a CSV or XLSX file of them."}},
)
async def get_accountability(
    who: Authorized,
    backend: Service,
    start: Annotated[date, Query(alias="from", description="First day (Beijing time), inclusive.")],
    end: Annotated[date, Query(alias="to", description="Last day (Beijing time), inclusive.")],
    unit: str | None = None,
    by: AccountBy = AccountBy.UNIT,
    file_format: Annotated[AccountFormat, Query(alias="format")] = AccountFormat.JSON,
) -> Any:
    """Per unit (ranked, 通报排名) or per person on duty: incidents, 首报 on time / late (迟报) / missing (漏报),
    concealment flags, missed check-ins, median times to acknowledge and to 首报; as JSON, CSV or XLSX."""
    _check_days(start, end)
    units = who.visible(unit)
    since, until = _local_midnight(start), _local_midnight(end) + timedelta(days=1)
    async with backend.work() as ports:
        lines = [AccountOut.of(line) for line in await accountability(ports, since, until, units, backend.now(), by)]
    if file_format is AccountFormat.JSON:
        return lines
    rows = [line.model_dump(mode="json") for line in lines]
    name = f"accountability-{by.value}-{start.isoformat()}-{end.isoformat()}"
    if file_format is AccountFormat.CSV:
        return attachment(account_csv(rows).encode(), CSV, f"{name}.csv")
    return attachment(account_xlsx(rows, f"{start.isoformat()}~{end.isoformat()}"), XLSX, f"{name}.xlsx")


def _check_days(start: date, end: date) -> None:
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise IntakeRefused(
                name, f"{day.isoformat()} is outside {EARLIEST_DAY.isoformat()}..{LATEST_DAY.isoformat()}"
            )
    if end < start:
        raise IntakeRefused("to", "the last day is before the first day")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
