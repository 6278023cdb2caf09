"""Structured logs: JSON lines (or readable ones on a terminal), with phone numbers and push tokens masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["configure_logging", "mask_phones", "masked", "renders_json"]

# Any E.164 number (+ and 8 to 15 digits); China's national forms: a mobile (1[3-9] and 9 digits) and a
# landline (0, a 2- or 3-digit area code, 7 or 8 digits); each as written by people too, in groups separated
# by a space or a dash. Letters and digits around a match rule it out, so ids and hashes stay whole.
_PHONE = re.compile(
    r"(?<![\w+])(?P<number>"
    r"\+\d{1,3}(?:[- ]?\d){7,14}"  # E.164
    r"|1[3-9]\d[- ]?\d{4}[- ]?\d{4}"  # a mobile in China
    r"|0\d{2,3}[- ]?\d{3,4}[- ]?\d{4}"  # a landline in China
    r")(?!\w)"
)
_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"']+")


def _masked_number(match: re.Match[str]) -> str:
    number = match["number"]
    digits = "".join(char for char in number if char.isdigit())
    if number.startswith("+"):
        return f"+{digits[: 5 if len(digits) >= 11 else 3]}****{digits[-4:]}"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_phones(text: str) -> str:
    """`+8613812345678` becomes `+86138****5678`, `0719-8000123` `071****0123`: enough to tell people apart,
    not to call them. A push token in a URL's query becomes `token=***`."""
    return _TOKEN_IN_QUERY.sub(r"\1***", _PHONE.sub(_masked_number, text))


def masked(value: Any) -> Any:
    """`value` with every phone number masked, in strings at any depth of dicts, lists and tuples."""
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(masked(item) for item in value)
    return value


def _mask_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: masked(value) for key, value in event.items()}


# Chatty at INFO: twilio logs every HTTP exchange, APScheduler every sweep. (uvicorn's access log is off.)
QUIETER = {"twilio": "WARNING", "apscheduler": "WARNING"}


def _chain(as_json: bool) -> list[Any]:
    """What every line passes through before it is rendered. In JSON a traceback becomes text in `exception`,
    masked like the rest; a terminal's renderer draws it itself."""
    tracebacks = [structlog.processors.format_exc_info] if as_json else []
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        *tracebacks,
        _mask_event,
    ]


def renders_json(json_lines: bool | None) -> bool:
    """Whether the process logs JSON lines: as set, or when its stderr is not a terminal (a file, a pod's log)."""
    return (not sys.stderr.isatty()) if json_lines is None else json_lines


def configure_logging(
    service: str, *, json_lines: bool | None = None, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Our logs and every library's (uvicorn, aiokafka, APScheduler) as one stream (stderr unless given),
    rendered and masked alike."""
    as_json = renders_json(json_lines)
    out = stream or sys.stderr
    chain = _chain(as_json)
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if as_json else structlog.dev.ConsoleRenderer()
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=chain,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quieter in QUIETER.items():
        logging.getLogger(name).setLevel(quieter)
    # Our own lines go to the stream directly: through the standard library's logging (a record, the caller's
    # frame looked up, the handler) a line cost about three times as much, 90-120 us against 35.
    structlog.configure(
        processors=[*chain, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.WriteLoggerFactory(file=out),
    )
    structlog.contextvars.bind_contextvars(service=service)
