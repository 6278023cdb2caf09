"""`dutywatch rounds …`: plans, due rounds, reports, hazards, leave and coverage, over the service's HTTP API
(`plan --check FILE` reads a plans file locally)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from services.rounds.adapters.plans_file import parse_plans
from services.runtime.auth import ADMIN_TOKEN_FILE, embedded_admin_token

__all__ = ["rounds_app"]

rounds_app = typer.Typer(help="Rounds: plans, due rounds, reports, hazards, leave, coverage.", no_args_is_help=True)
console = Console()
DEFAULT_URL = "http://127.0.0.1:8104"


class _Api:
    def __init__(self, url: str, token: str | None) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.token is None:
            raise typer.BadParameter("no token: pass --token or set DUTYWATCH_ROUNDS_TOKEN", param_hint="--token")
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = httpx.request(method, self.url + path, headers=headers, timeout=10, **kwargs)
        except httpx.HTTPError as error:
            console.print(f"[red]cannot reach the rounds service at {self.url}: {error}[/red]")
            raise typer.Exit(1) from None
        if response.is_error:
            console.print(f"[red]{response.status_code}: {response.text}[/red]", soft_wrap=True)
            raise typer.Exit(1)
        return response.json()


@rounds_app.callback()
def connect(
    context: typer.Context,
    url: str = typer.Option(DEFAULT_URL, "--url", envvar="DUTYWATCH_ROUNDS_URL", help="The service's base URL."),
    token: str | None = typer.Option(
        None, "--token", envvar="DUTYWATCH_ROUNDS_TOKEN", help=f"API token; default: var/{ADMIN_TOKEN_FILE}."
    ),
) -> None:
    context.obj = _Api(url, token or embedded_admin_token("DUTYWATCH_ROUNDS_DATA_DIR"))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    console.print(table if rows else "nothing")


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name", value))
    if isinstance(value, list):
        return "、".join(_cell(each) for each in value)
    return "" if value is None else str(value)


@rounds_app.command()
def plan(
    context: typer.Context,
    check: Path | None = typer.Option(None, "--check", help="Check this plans file and exit (no service needed)."),
    unit: str | None = typer.Option(None, "--unit"),
) -> None:
    """The plans the service runs, or `--check FILE`: every problem of a plans file with its line."""
    if check is not None:
        book, issues = parse_plans(check.read_text(encoding="utf-8"))
        for issue in issues:
            console.print(f"[red]{check}: {issue}[/red]", soft_wrap=True)
        if issues:
            raise typer.Exit(1)
        console.print(
            f"{check}: {len(book.plans)} plans, {len(book.areas)} units with areas, no problems", soft_wrap=True
        )
        return
    plans = context.obj.call("GET", "/plans", params={"unit": unit} if unit else None)
    _table(plans, ["id", "unit_id", "kind", "title", "items", "assignees"])


@rounds_app.command()
def due(context: typer.Context, unit: str | None = typer.Option(None, "--unit")) -> None:
    """Rounds awaiting their report (state due), with their codes and deadlines."""
    params = {"state": "due", **({"unit": unit} if unit else {})}
    _table(
        context.obj.call("GET", "/rounds", params=params),
        ["code", "unit_id", "title", "due_at", "deadline", "assignee"],
    )


@rounds_app.command()
def report(
    context: typer.Context,
    code: str = typer.Argument(..., help="The round's 4-digit code."),
    by: str = typer.Option(..., "--by", help="Who did the round."),
    hazard: list[str] = typer.Option([], "--hazard", help="A hazard found (repeatable)."),
    note: str = typer.Option("", "--note"),
) -> None:
    """Report a round: all in order, or with the hazards found."""
    body = {"by": by, "note": note, "hazards": [{"description": each} for each in hazard]}
    answer = context.obj.call("POST", f"/rounds/{code}/report", json=body)
    state = "recorded" if answer["first"] else "already reported; nothing changed"
    console.print(f"{answer['round']['title']} {code}: {state}; hazards {len(answer['hazards'])}")


@rounds_app.command()
def hazards(
    context: typer.Context,
    unit: str | None = typer.Option(None, "--unit"),
    state: str | None = typer.Option(None, "--state", help="open, overdue or closed."),
    close: str | None = typer.Option(None, "--close", help="Close this hazard id (with --by and --note)."),
    by: str = typer.Option("", "--by"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Rectification items, or close one."""
    if close is not None:
        closed = context.obj.call("POST", f"/hazards/{close}/close", json={"by": by, "note": note})
        console.print(f"{closed['id']} closed: {closed['note']}")
        return
    params = {key: value for key, value in (("unit", unit), ("state", state)) if value}
    _table(
        context.obj.call("GET", "/hazards", params=params),
        ["id", "unit_id", "state", "description", "deadline", "owner"],
    )


@rounds_app.command()
def leave(
    context: typer.Context,
    unit: str | None = typer.Option(None, "--unit"),
    resident: str | None = typer.Option(None, "--resident", help="Record a leave for this resident."),
    leave_id: str | None = typer.Option(None, "--id", help="The leave's id."),
    back: datetime | None = typer.Option(None, "--back", help="Expected return (UTC if no zone)."),
    returned: str | None = typer.Option(None, "--returned", help="Record the return of this leave id."),
) -> None:
    """Residents on leave (请销假): list, record a leave (--resident --id --back --unit) or a return (--returned)."""
    if returned is not None:
        done = context.obj.call("POST", f"/leaves/{returned}/return", json={})
        console.print(f"{done['resident']} returned")
        return
    if resident is not None:
        if not (unit and leave_id and back):
            raise typer.BadParameter("a leave needs --unit, --id and --back", param_hint="--resident")
        expected = back if back.tzinfo else back.replace(tzinfo=UTC)
        body = {"unit_id": unit, "leave_id": leave_id, "resident": resident, "expected_back": expected.isoformat()}
        console.print(json.dumps(context.obj.call("POST", "/leaves", json=body), ensure_ascii=False))
        return
    params = {"unit": unit} if unit else None
    _table(context.obj.call("GET", "/leaves", params=params), ["id", "unit_id", "resident", "state", "expected_back"])


@rounds_app.command()
def coverage(
    context: typer.Context,
    unit: str | None = typer.Option(None, "--unit"),
    start: str | None = typer.Option(None, "--from", help="First local day, YYYY-MM-DD (default: 7 days ago)."),
    end: str | None = typer.Option(None, "--to", help="Last local day (default: today)."),
) -> None:
    """Per plan: households not visited and checkpoints not patrolled in the period (不漏一户)."""
    params = {key: value for key, value in (("unit", unit), ("from", start), ("to", end)) if value}
    rows = context.obj.call("GET", "/coverage", params=params)
    _table(rows, ["plan_id", "unit_id", "title", "rounds_due", "rounds_reported", "rounds_missed", "not_covered"])
