"""Structured logs: JSON lines (or readable ones on a terminal), with phone numbers masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["configure_logging", "mask_phones"]

_PHONE = re.compile(r"(\+\d{2,3})(\d{3})\d{4}(\d{4})")


def mask_phones(text: str) -> str:
    """`+8613812345678` becomes `+86138****5678`: enough to tell people apart, not to call them."""
    return _PHONE.sub(r"\1\2****\3", text)


def _mask_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: mask_phones(value) if isinstance(value, str) else value for key, value in event.items()}


# Chatty at INFO: twilio logs every HTTP exchange, APScheduler every sweep. (uvicorn's access log is off.)
QUIETER = {"twilio": "WARNING", "apscheduler": "WARNING"}

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _mask_event,
]


def configure_logging(service: str, *, json_lines: bool | None = None, level: str = "INFO") -> None:
    """Our logs and every library's (uvicorn, aiokafka, APScheduler) as one stream, rendered and masked alike."""
    as_json = (not sys.stderr.isatty()) if json_lines is None else json_lines
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if as_json else structlog.dev.ConsoleRenderer()
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quieter in QUIETER.items():
        logging.getLogger(name).setLevel(quieter)
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.stdlib.LoggerFactory(),
    )
    structlog.contextvars.bind_contextvars(service=service)
