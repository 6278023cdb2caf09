"""The HTTP API: intake, reports, closing, reading, accountability. Every write is one transaction with its events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from schemas.incident import ReportIncident
from services.incident.adapters.account_files import CSV, XLSX, account_csv, account_xlsx
from services.incident.adapters.document import report_document
from services.incident.adapters.http_models import (
    AccountOut,
    CloseIn,
    DraftOut,
    HandoverOut,
    IncidentDetail,
    IncidentOut,
    IntakeOut,
    MergeIn,
    ReportIn,
    ReportOut,
    SignOffIn,
    SplitIn,
)
from services.incident.domain import AccountBy, Draft, IncidentStatus, IntakeRefused, ReportRefused, Source
from services.incident.handlers import (
    Rules,
    UnknownIncident,
    accountability,
    filed_report,
    handovers,
    incident_record,
    incident_unit,
    list_incidents,
    on_close_incident,
    on_merge_incidents,
    on_report_incident,
    on_sign_off,
    on_split_incident,
    submit_report,
)
from services.incident.ports import Ports
from services.runtime.auth import Caller, caller

__all__ = ["Backend", "mount"]

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)
QUERY_FIELDS = ("from", "to", "since")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

T = TypeVar("T")


class Backend(Protocol):
    """What the routes need from the app: the clock, the rules and a transaction's ports."""

    rules: Rules

    def now(self) -> datetime: ...

    def work(self) -> AbstractAsyncContextManager[Ports]: ...

    async def in_work(self, effect: Callable[[Ports], Awaitable[T]]) -> T:
        """`effect` in a transaction it may share with other requests; its result once committed."""
        ...


async def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


Authorized = Annotated[Caller, Depends(caller)]
Service = Annotated[Backend, Depends(_backend)]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token, or one that is not known."},
    403: {"description": "The token may not act for this unit."},
    404: {"description": "No incident has this id."},
    409: {"description": "The report or closing does not fit the incident's state (the detail says what to do)."},
    422: {
        "description": "A field is invalid (the detail names it), occurred_at is out of range, or the unit is unknown."
    },
}
router = APIRouter(tags=["incidents"], responses=ERRORS)


@router.post("/incidents", status_code=201, response_model=IntakeOut)
async def post_incident(body: ReportIncident, who: Authorized, backend: Service, response: Response) -> IntakeOut:
    """Report an incident. 201 with a new incident; 200 when it joined one already open."""
    who.require(body.unit_id)
    taken = await backend.in_work(
        lambda ports: on_report_incident(body, Source.HTTP, ports, backend.rules, backend.now())
    )
    if taken.joined:
        response.status_code = 200
    return IntakeOut(incident=IncidentOut.of(taken.incident), joined=taken.joined)


@router.get("/incidents", response_model=list[IncidentOut])
async def get_incidents(
    who: Authorized,
    backend: Service,
    status: IncidentStatus | None = None,
    unit: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[IncidentOut]:
    """Incidents, newest first, filtered by status, unit and intake time."""
    units = who.visible(unit)
    async with backend.work() as ports:
        found = await list_incidents(ports, status=status, units=units, since=_utc(since), limit=limit)
    return [IncidentOut.of(incident) for incident in found]


@router.get("/handovers", response_model=list[HandoverOut])
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
        found = await handovers(ports, units, _utc(since), limit)
    return [HandoverOut.of(handover) for handover in found]


@router.get("/incidents/{incident_id}", response_model=IncidentDetail)
async def get_incident(incident_id: str, who: Authorized, backend: Service) -> IncidentDetail:
    """One incident with its timeline, reports (per-recipient delivery) and deadlines."""
    async with backend.work() as ports:
        record = await incident_record(ports, incident_id)
    who.require(record.incident.unit_id)
    return IncidentDetail.of_record(record)


@router.post(
    "/incidents/{incident_id}/reports",
    status_code=201,
    response_model=ReportOut,
    responses={202: {"model": DraftOut, "description": "A 首报 drafted for the duty leader's 签发."}},
)
async def post_report(incident_id: str, body: ReportIn, who: Authorized, backend: Service) -> Any:
    """File a first (首报), follow-up (续报) or final (终报) report; it goes to the unit's recipients. A 首报 of a
    unit that requires 签发 is drafted for the duty leader instead (202)."""
    async with backend.work() as ports:
        who.require(await incident_unit(ports, incident_id))
        filed = await submit_report(
            incident_id, body.kind, body.text or "", body.filed_by, Source.HTTP, ports, backend.rules, backend.now(),
            body.form,
        )  # fmt: skip
    if isinstance(filed, Draft):
        return JSONResponse(DraftOut.of(filed).model_dump(mode="json"), status_code=202)
    return ReportOut.of(filed)


@router.post("/incidents/{incident_id}/sign-off", status_code=201, response_model=ReportOut)
async def post_sign_off(incident_id: str, body: SignOffIn, who: Authorized, backend: Service) -> ReportOut:
    """The duty leader signs (签发) the drafted 首报: it goes to the unit's recipients."""
    async with backend.work() as ports:
        who.require(await incident_unit(ports, incident_id))
        draft = await ports.drafts.pending_of(incident_id)
        if draft is None:
            raise ReportRefused(f"incident {incident_id} has no 首报 waiting for 签发")
        report = await on_sign_off(draft, body.by, ports, backend.rules, backend.now())
    return ReportOut.of(report)


@router.get(
    "/incidents/{incident_id}/reports/{report_id}/document",
    response_class=Response,
    responses={200: {"content": {DOCX: {}}, "description": "The printable report (.docx)."}},
)
async def get_report_document(incident_id: str, report_id: int, who: Authorized, backend: Service) -> Response:
    """The report filed on the form, as a printable Word document in the official layout."""
    async with backend.work() as ports:
        who.require(await incident_unit(ports, incident_id))
        report = await filed_report(ports, incident_id, report_id)
    if report.form is None:
        raise ReportRefused("this report was filed as free text, not on the form: it has no document")
    content = report_document(report.form, incident_id, report.filed_at)
    filename = f"{incident_id}-{report.kind.value}-{report_id}.docx"
    return _attachment(content, DOCX, filename)


@router.post("/incidents/{incident_id}/close", response_model=IncidentOut)
async def post_close(incident_id: str, body: CloseIn, who: Authorized, backend: Service) -> IncidentOut:
    """Close an incident after its final report (终报)."""
    async with backend.work() as ports:
        who.require(await incident_unit(ports, incident_id))
        incident = await on_close_incident(incident_id, body.closed_by, ports, backend.now())
    return IncidentOut.of(incident)


@router.post("/incidents/{incident_id}/merge", response_model=IncidentOut)
async def post_merge(incident_id: str, body: MergeIn, who: Authorized, backend: Service) -> IncidentOut:
    """Merge a duplicate into this incident: the duplicate closes (its alerts stop); both timelines say so."""
    async with backend.work() as ports:
        who.require(await incident_unit(ports, incident_id))
        survivor = await on_merge_incidents(incident_id, body.duplicate, body.by, ports, backend.now())
    return IncidentOut.of(survivor)


@router.post("/incidents/{incident_id}/split", status_code=201, response_model=IncidentOut)
async def post_split(incident_id: str, body: SplitIn, who: Authorized, backend: Service) -> IncidentOut:
    """Split off what was wrongly joined: a new incident at `location`, on the original's clock."""
    async with backend.work() as ports:
        who.require(await incident_unit(ports, incident_id))
        split = await on_split_incident(
            incident_id, body.location, body.summary, body.by, ports, backend.rules, backend.now()
        )
    return IncidentOut.of(split)


class AccountFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@router.get(
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
        return _attachment(account_csv(rows).encode(), CSV, f"{name}.csv")
    return _attachment(account_xlsx(rows, f"{start.isoformat()}~{end.isoformat()}"), XLSX, f"{name}.xlsx")


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _check_days(start: date, end: date) -> None:
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise IntakeRefused(
                name, f"{day.isoformat()} is outside {EARLIEST_DAY.isoformat()}..{LATEST_DAY.isoformat()}"
            )
    if end < start:
        raise IntakeRefused("to", "the last day is before the first day")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise IntakeRefused("since", f"{moment.isoformat()} is out of range") from None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LOCAL_ZONE).astimezone(UTC)


def _refused(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, IntakeRefused)
    location = "query" if error.field in QUERY_FIELDS else "body"
    detail = [{"type": "value_error", "loc": [location, error.field], "msg": error.message, "input": None}]
    return JSONResponse({"detail": detail}, status_code=422)


def _not_found(_request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=404)


def _conflict(_request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=409)


def mount(api: FastAPI) -> None:
    """Add the routes and map the domain's refusals to 422 (invalid), 404 (unknown) and 409 (wrong state)."""
    api.include_router(router)
    handlers: dict[type[Exception], Callable[[Request, Exception], JSONResponse]] = {
        IntakeRefused: _refused,
        UnknownIncident: _not_found,
        ReportRefused: _conflict,
    }
    for error, handler in handlers.items():
        api.add_exception_handler(error, handler)
