"""`python -m testbed.crashing_notifier CHECKPOINT`: the notifier, configured from the environment as
`dutywatch service notifier` is, that SIGKILLs itself when it passes CHECKPOINT (the crash tests).

CHECKPOINT is `after_step_recorded` (the due step's attempts are committed, no provider heard of them yet) or
`after_provider_call` (the provider took the message, its outcome is not stored).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TypeGuard, get_args

import structlog
import uvicorn

from services.notifier.app import Notifier
from services.notifier.sending.dispatcher import Checkpoint, PassCheckpoint
from services.notifier.settings import Settings
from services.runtime.logs import configure_logging

__all__ = ["killed_at"]

log = structlog.get_logger(__name__)


def killed_at(chosen: Checkpoint) -> PassCheckpoint:
    """A checkpoint hook that dies at `chosen` as a SIGKILL would: no cleanup, no last commit."""

    def passing(point: Checkpoint) -> None:
        if point == chosen:
            log.warning("fault injection: killing the process", checkpoint=point)
            os.kill(os.getpid(), signal.SIGKILL)

    return passing


def is_checkpoint(name: str) -> TypeGuard[Checkpoint]:
    return name in get_args(Checkpoint)


def main(chosen: str) -> None:
    if not is_checkpoint(chosen):
        raise SystemExit(f"unknown checkpoint {chosen!r}; one of {', '.join(get_args(Checkpoint))}")
    settings = Settings()
    configure_logging("notifier", json_lines=settings.log_json)
    api = Notifier(settings, checkpoint=killed_at(chosen)).api()
    uvicorn.run(api, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
