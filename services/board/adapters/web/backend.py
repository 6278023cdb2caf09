"""What the pages need from the app, and the dependencies every route takes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends
from itsdangerous import URLSafeSerializer

from services.board.adapters.web.session import Viewer, check_csrf, viewer
from services.board.ports import Owners, Ports, Refused, Unreachable
from services.runtime.auth import app_backend
from services.runtime.unit_of_work import UnitOfWork

__all__ = ["Backend", "Board", "Csrf", "Seen", "refusal"]


class Backend(Protocol):
    """The clock, the unit of work (a transaction's ports), the owning services, and the signer of calendar links."""

    owners: Owners
    links: URLSafeSerializer
    work: UnitOfWork[Ports]

    def now(self) -> datetime: ...

    def feed_token(self) -> str:
        """The token calendar feeds read the roster with: nobody is logged in when a phone fetches one."""
        ...


Board = Annotated[Backend, Depends(app_backend)]
Seen = Annotated[Viewer, Depends(viewer)]
Csrf = Annotated[None, Depends(check_csrf)]


def refusal(error: Refused | Unreachable, unreachable: str) -> tuple[int, str]:
    """The status and sentence of a page whose action failed: the owning service said no (422, its reason),
    or did not answer (503, `unreachable`)."""
    if isinstance(error, Refused):
        return 422, error.message
    return 503, unreachable
