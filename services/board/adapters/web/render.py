"""Jinja2 templates and the filters the pages share (times in Beijing time, countdowns)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from schemas.values import INCIDENT_TYPE_LABELS, IncidentType, RecipientRole, ReportKind, Severity

__all__ = ["LOCAL_ZONE", "STATIC", "countdown", "local", "page"]

HERE = Path(__file__).parent
STATIC = HERE / "static"
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")

STATUS_LABELS = {
    "reported": "已接报",
    "escalated": "升级通知中",
    "acknowledged": "已确认",
    "overdue": "首报超时",
    "first_reported": "已首报",
    "follow_up": "已续报",
    "final_reported": "已终报",
    "closed": "已结案",
}

templates = Jinja2Templates(directory=HERE / "templates")


def local(moment: datetime | str | None, pattern: str = "%m-%d %H:%M") -> str:
    """A UTC instant as Beijing time."""
    if moment is None:
        return "—"
    instant = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return instant.astimezone(LOCAL_ZONE).strftime(pattern)


def countdown(due: datetime | str, now: datetime) -> str:
    """`剩余 41:07` before the deadline, `超时 3:12` after it (the page's script keeps it ticking)."""
    instant = datetime.fromisoformat(due) if isinstance(due, str) else due
    seconds = int((instant - now).total_seconds())
    sign, seconds = ("剩余", seconds) if seconds >= 0 else ("超时", -seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"{sign} {clock}"


def _label(value: str, kind: str) -> str:
    labels: dict[str, Any] = {
        "type": lambda: INCIDENT_TYPE_LABELS[IncidentType(value)],
        "severity": lambda: f"{Severity(value).label}（{value}级）",
        "report": lambda: ReportKind(value).label,
        "role": lambda: RecipientRole(value).label,
        "status": lambda: STATUS_LABELS[value],
    }
    try:
        return str(labels[kind]())
    except (KeyError, ValueError):
        return value


templates.env.filters["local"] = local
templates.env.filters["label"] = _label
templates.env.globals["countdown"] = countdown
templates.env.globals["report_kinds"] = list(ReportKind)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `name` with what every page shows: the viewer's CSRF token and the refresh interval."""
    session = request.scope.get("session") or {}
    base = {
        "csrf": session.get("csrf", ""),
        "logged_in": "token" in session,
        "refresh_s": request.app.state.refresh_s,
        "wall": request.query_params.get("wall") == "1",
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
