"""What every route of the incident API shares: the backend it talks to, the caller's token, the errors it
documents, and how a time or a file is given back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Response

from services.incident.domain import IntakeRefused
from services.incident.handlers import Rules
from services.incident.ports import Ports
from services.runtime.auth import AUTH_ERRORS, Authorized, app_backend
from services.runtime.unit_of_work import UnitOfWork

__all__ = ["ERRORS", "Authorized", "Backend", "Service", "as_utc", "attachment"]


class Backend(Protocol):
    """What the routes need from the app: the clock, the rules and the unit of work (a transaction's ports)."""

    rules: Rules
    work: UnitOfWork[Ports]

    def now(self) -> datetime: ...


Service = Annotated[Backend, Depends(app_backend)]
ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"description": "No incident has this id."},
    409: {"description": "The report or closing does not fit the incident's state (the detail says what to do)."},
    422: {
        "description": "A field is invalid (the detail names it), occurred_at is out of range, or the unit is unknown."
    },
}


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise IntakeRefused("since", f"{moment.isoformat()} is out of range") from None
