"""What the pages need from the app, and the dependencies every route takes."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Request
from itsdangerous import URLSafeSerializer

from services.board.adapters.web.session import Viewer, check_csrf, viewer
from services.board.ports import Owners, Ports

__all__ = ["Backend", "Board", "Csrf", "Seen"]


class Backend(Protocol):
    """The clock, a read transaction's ports, the owning services, and the signer of calendar links."""

    owners: Owners
    links: URLSafeSerializer

    def now(self) -> datetime: ...

    def read(self) -> AbstractAsyncContextManager[Ports]: ...

    def feed_token(self) -> str:
        """The token calendar feeds read the roster with: nobody is logged in when a phone fetches one."""
        ...


async def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


Board = Annotated[Backend, Depends(_backend)]
Seen = Annotated[Viewer, Depends(viewer)]
Csrf = Annotated[None, Depends(check_csrf)]
