"""The HTTP API: intake, reports, sign-off, merge and split, closing, reading (the duty record is in
http_records.py). Every write is one transaction with its events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from schemas.incident import ReportIncident
from services.incident.adapters.document import report_document
from services.incident.adapters.http_deps import ERRORS, Authorized, Service, as_utc, attachment
from services.incident.adapters.http_models import (
    CloseIn,
    DraftOut,
    IncidentDetail,
    IncidentOut,
    IntakeOut,
    MergeIn,
    ReportIn,
    ReportOut,
    SignOffIn,
    SplitIn,
)
from services.incident.adapters.http_records import records
from services.incident.domain import Draft, IncidentStatus, IntakeRefused, ReportRefused, SignatureRefused, Source
from services.incident.handlers import (
    UnknownHandover,
    UnknownIncident,
    filed_report,
    incident_record,
    incident_unit,
    list_incidents,
    on_close_incident,
    on_merge_incidents,
    on_report_over_http,
    on_sign_off,
    on_split_incident,
    submit_report,
)
from services.incident.handlers.intake import Taken
from services.incident.ports import Ports
from services.runtime.plain_route import PlainJsonRoute

__all__ = ["mount"]

QUERY_FIELDS = ("from", "to", "since")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

router = APIRouter(tags=["incidents"], responses=ERRORS)


async def post_incident(body: ReportIncident, who: Authorized, backend: Service) -> Response:
    """Report an incident. 201 with a new incident; 200 when it joined one already open. A token that is not the
    unit's own (every unit's, the parent bureau's) reports as another source (`origin`)."""
    who.require(body.unit_id)

    async def take(ports: Ports) -> Taken:
        return await on_report_over_http(body, who.units, ports, backend.rules, backend.now())

    taken = await backend.work.together(take)
    intake = IntakeOut(incident=IncidentOut.of(taken.incident), joined=taken.joined)
    return Response(intake.model_dump_json(), 200 if taken.joined else 201, media_type="application/json")


# Every alert starts here: served plainly (services/runtime/plain_route.py), documented as any route.
router.add_api_route(
    "/incidents",
    post_incident,
    methods=["POST"],
    status_code=201,
    response_model=IntakeOut,
    route_class_override=PlainJsonRoute,
)


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
        found = await list_incidents(ports, status=status, units=units, since=as_utc(since), limit=limit)
    return [IncidentOut.of(incident) for incident in found]


@router.get("/incidents/{incident_id}", response_model=IncidentDetail)
async def get_incident(incident_id: str, who: Authorized, backend: Service) -> IncidentDetail:
    """One incident with its timeline, reports (per-recipient delivery) and deadlines."""
    async with backend.work() as ports:
        record = await incident_record(ports, incident_id)
    who.require_visible(record.incident.unit_id, f"incident {incident_id!r}")
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
        who.require_visible(await incident_unit(ports, incident_id), f"incident {incident_id!r}")
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
        who.require_visible(await incident_unit(ports, incident_id), f"incident {incident_id!r}")
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
        who.require_visible(await incident_unit(ports, incident_id), f"incident {incident_id!r}")
        report = await filed_report(ports, incident_id, report_id)
    if report.form is None:
        raise ReportRefused("this report was filed as free text, not on the form: it has no document")
    content = report_document(report.form, incident_id, report.filed_at)
    filename = f"{incident_id}-{report.kind.value}-{report_id}.docx"
    return attachment(content, DOCX, filename)


@router.post("/incidents/{incident_id}/close", response_model=IncidentOut)
async def post_close(incident_id: str, body: CloseIn, who: Authorized, backend: Service) -> IncidentOut:
    """Close an incident after its final report (终报)."""
    async with backend.work() as ports:
        who.require_visible(await incident_unit(ports, incident_id), f"incident {incident_id!r}")
        incident = await on_close_incident(incident_id, body.closed_by, ports, backend.now())
    return IncidentOut.of(incident)


@router.post("/incidents/{incident_id}/merge", response_model=IncidentOut)
async def post_merge(incident_id: str, body: MergeIn, who: Authorized, backend: Service) -> IncidentOut:
    """Merge a duplicate into this incident: the duplicate closes (its alerts stop); both timelines say so."""
    async with backend.work() as ports:
        who.require_visible(await incident_unit(ports, incident_id), f"incident {incident_id!r}")
        survivor = await on_merge_incidents(incident_id, body.duplicate, body.by, ports, backend.now())
    return IncidentOut.of(survivor)


@router.post("/incidents/{incident_id}/split", status_code=201, response_model=IncidentOut)
async def post_split(incident_id: str, body: SplitIn, who: Authorized, backend: Service) -> IncidentOut:
    """Split off what was wrongly joined: a new incident at `location`, on the original's clock."""
    async with backend.work() as ports:
        who.require_visible(await incident_unit(ports, incident_id), f"incident {incident_id!r}")
        split = await on_split_incident(
            incident_id, body.location, body.summary, body.by, ports, backend.rules, backend.now()
        )
    return IncidentOut.of(split)


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
    api.include_router(records)
    handlers: dict[type[Exception], Callable[[Request, Exception], JSONResponse]] = {
        IntakeRefused: _refused,
        UnknownIncident: _not_found,
        UnknownHandover: _not_found,
        ReportRefused: _conflict,
        SignatureRefused: _conflict,
    }
    for error, handler in handlers.items():
        api.add_exception_handler(error, handler)
