"""`dutywatch incident …`: report, list, show, file, close, merge, split and accountability, over the HTTP API."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from schemas.values import IncidentType, ReportKind, Severity
from services.incident.adapters.account_files import account_csv, account_xlsx
from services.incident.adapters.api_client import ApiError, IncidentClient
from services.incident.domain import AccountBy, IncidentStatus
from services.runtime.auth import ADMIN_TOKEN_FILE, embedded_admin_token

__all__ = ["incident_app"]

incident_app = typer.Typer(help="Incidents: report, read, file reports, accountability.", no_args_is_help=True)
console = Console()
DEFAULT_URL = "http://127.0.0.1:8102"


@incident_app.callback()
def connect(
    context: typer.Context,
    url: str = typer.Option(DEFAULT_URL, "--url", envvar="DUTYWATCH_INCIDENT_URL", help="The service's base URL."),
    token: str | None = typer.Option(
        None, "--token", envvar="DUTYWATCH_INCIDENT_TOKEN", help=f"API token; default: var/{ADMIN_TOKEN_FILE}."
    ),
) -> None:
    chosen = token or embedded_admin_token("DUTYWATCH_INCIDENT_DATA_DIR")
    if chosen is None:
        raise typer.BadParameter("no token: pass --token or set DUTYWATCH_INCIDENT_TOKEN", param_hint="--token")
    context.obj = IncidentClient(url, chosen)


def _run(context: typer.Context, call: str, *args: Any) -> Any:
    client: IncidentClient = context.obj
    try:
        return getattr(client, call)(*args)
    except ApiError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None


@incident_app.command()
def report(
    context: typer.Context,
    unit: str = typer.Option(..., "--unit", help="The unit id."),
    incident_type: IncidentType = typer.Option(..., "--type", help="What happened."),
    location: str = typer.Option(..., "--location", help="Where."),
    summary: str = typer.Option(..., "--summary", help="What is known so far."),
    reporter: str = typer.Option(..., "--reporter", help="Who reports it."),
    severity: Severity = typer.Option(Severity.IV, "--severity", help="I, II, III or IV."),
    occurred_at: datetime | None = typer.Option(None, "--occurred-at", help="When (UTC if no zone); default: now."),
    casualties: int | None = typer.Option(None, "--casualties", help="People hurt or dead."),
    external_id: str | None = typer.Option(None, "--external-id", help="Your own id for it."),
) -> None:
    """Report an incident."""
    when = occurred_at or datetime.now(UTC)
    body = {
        "unit_id": unit,
        "type": incident_type.value,
        "severity": severity.value,
        "occurred_at": (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat(),
        "location": location,
        "summary": summary,
        "reporter": reporter,
        "casualties": casualties,
        "external_id": external_id,
    }
    taken = _run(context, "report", body)
    incident = taken["incident"]
    verb = "joined open incident" if taken["joined"] else "reported"
    console.print(f"{verb} [bold]{incident['id']}[/bold] (first report due {incident['first_report_due_at']})")


@incident_app.command("list")
def list_incidents(
    context: typer.Context,
    status: IncidentStatus | None = typer.Option(None, "--status"),
    unit: str | None = typer.Option(None, "--unit"),
    since: datetime | None = typer.Option(None, "--since", help="Taken in at or after (UTC if no zone)."),
    limit: int = typer.Option(100, "--limit"),
) -> None:
    """List incidents, newest first."""
    params = {"status": status.value if status else None, "unit": unit, "since": since.isoformat() if since else None}
    found = _run(context, "incidents", {**params, "limit": limit})
    table = Table("id", "unit", "type", "severity", "status", "late", "occurred", "first report due")
    for each in found:
        table.add_row(
            each["id"],
            each["unit_id"],
            each["type_label"],
            each["severity"],
            each["status"],
            "迟报" if each["late"] else "",
            each["occurred_at"],
            each["first_report_due_at"],
        )
    console.print(table)


@incident_app.command()
def show(context: typer.Context, incident_id: str = typer.Argument(..., help="The incident id.")) -> None:
    """One incident with its timeline and reports."""
    detail = _run(context, "show", incident_id)
    console.print(
        f"[bold]{detail['id']}[/bold] {detail['type_label']} {detail['severity']}级 at {detail['location']} "
        f"({detail['unit_id']}): {detail['status']}{' 迟报' if detail['late'] else ''}"
    )
    flag = f"; flagged {detail['concealment']}" if detail["concealment"] else ""
    console.print(f"{detail['summary']}\nfirst report due {detail['first_report_due_at']}")
    console.print(f"reported by {detail['origin']} (via {detail['source']}){flag}")
    timeline = Table("at", "what", "detail", "who", "channel")
    for entry in detail["timeline"]:
        timeline.add_row(entry["at"], entry["kind"], entry["detail"], entry["actor"] or "", entry["channel"] or "")
    console.print(timeline)
    for filed in detail["reports"]:
        got = sum(1 for each in filed["deliveries"] if each["delivered_at"])
        console.print(
            f"{filed['kind']} by {filed['filed_by']} at {filed['filed_at']}: delivered {got}/{len(filed['deliveries'])}"
        )


@incident_app.command()
def file(
    context: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident id."),
    kind: ReportKind = typer.Option(..., "--kind", help="first, follow_up or final."),
    text: str = typer.Option(..., "--text"),
    filed_by: str = typer.Option(..., "--by", help="Who files it."),
) -> None:
    """File a first (首报), follow-up (续报) or final (终报) report."""
    filed = _run(context, "file", incident_id, {"kind": kind.value, "text": text, "filed_by": filed_by})
    console.print(f"filed {filed['kind']}{' (迟报 late)' if filed['late'] else ''}")


@incident_app.command()
def close(
    context: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident id."),
    closed_by: str = typer.Option(..., "--by", help="Who closes it."),
) -> None:
    """Close an incident after its final report."""
    closed = _run(context, "close", incident_id, closed_by)
    console.print(f"{closed['id']} {closed['status']}")


@incident_app.command()
def merge(
    context: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident that stays."),
    duplicate: str = typer.Option(..., "--duplicate", help="The incident that closes into it."),
    by: str = typer.Option(..., "--by", help="Who merges them."),
) -> None:
    """Merge a duplicate into an incident (the duplicate closes; its alerts stop)."""
    _run(context, "merge", incident_id, {"duplicate": duplicate, "by": by})
    console.print(f"merged {duplicate} into {incident_id}")


@incident_app.command()
def split(
    context: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident something was wrongly joined to."),
    location: str = typer.Option(..., "--location", help="Where the part split off happened."),
    summary: str = typer.Option(..., "--summary", help="What it is."),
    by: str = typer.Option(..., "--by", help="Who splits it."),
) -> None:
    """Split off what was wrongly joined into an incident of its own."""
    split_off = _run(context, "split", incident_id, {"location": location, "summary": summary, "by": by})
    console.print(f"split off [bold]{split_off['id']}[/bold] (first report due {split_off['first_report_due_at']})")


@incident_app.command()
def handovers(
    context: typer.Context,
    unit: str | None = typer.Option(None, "--unit"),
    limit: int = typer.Option(50, "--limit"),
) -> None:
    """Handovers (交接班), newest first: from whom, to whom, which open items, who signed when."""
    found = _run(context, "handovers", {"unit": unit, "limit": limit})
    table = Table("at", "unit", "from", "to", "open items", "outgoing signed", "incoming signed")
    for each in found:
        outgoing = each["from_officer"]["name"] if each["from_officer"] else "-"
        items = ", ".join(item["incident_id"] for item in each["items"])
        signatures = (_signed(each["outgoing_signature"]), _signed(each["incoming_signature"]))
        table.add_row(each["at"], each["unit_id"], outgoing, each["to_officer"]["name"], items, *signatures)
    console.print(table)


def _signed(signature: dict[str, str] | None) -> str:
    return "" if signature is None else f"{signature['by']} {signature['at']} ({signature['via']})"


class FileFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"


@incident_app.command()
def accountability(
    context: typer.Context,
    start: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First day (Beijing time)."),
    end: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Last day, inclusive."),
    unit: str | None = typer.Option(None, "--unit"),
    by: AccountBy = typer.Option(AccountBy.UNIT, "--by", help="unit (ranked) or person (officer and leader)."),
    file_format: FileFormat = typer.Option(FileFormat.TABLE, "--format", help="table, csv or xlsx."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file (xlsx needs one)."),
    as_csv: bool = typer.Option(False, "--csv", help="Same as --format csv."),
) -> None:
    """Per unit (ranked) or per person: incidents, 首报 on time / 迟报 / 漏报, concealment, missed check-ins."""
    chosen = FileFormat.CSV if as_csv else file_format
    if chosen is FileFormat.XLSX and output is None:
        raise typer.BadParameter("an XLSX file needs -o FILE", param_hint="-o")
    params = {"from": start.date().isoformat(), "to": end.date().isoformat(), "unit": unit, "by": by.value}
    lines = _run(context, "accountability", params)
    if chosen is FileFormat.TABLE:
        console.print(_account_table(lines, by))
        return
    title = f"{params['from']}~{params['to']}"
    content = account_xlsx(lines, title) if chosen is FileFormat.XLSX else account_csv(lines).encode()
    if output is None:
        sys.stdout.write(content.decode())
        return
    output.write_bytes(content)
    console.print(f"wrote {len(lines)} lines to {output}")


def _account_table(lines: list[dict[str, Any]], by: AccountBy) -> Table:
    first = ("unit", "rank", "score") if by is AccountBy.UNIT else ("unit", "person", "role")
    table = Table(
        *first,
        "incidents",
        "on time",
        "迟报",
        "漏报",
        "others told",
        "flags",
        "missed check-ins",
        "median ack",
        "median 首报",
    )
    for line in lines:
        head = (
            (line["unit_id"], str(line["rank"]), str(line["score"]))
            if by is AccountBy.UNIT
            else (line["unit_id"], line["name"] or "", line["role"])
        )
        table.add_row(
            *head,
            str(line["incidents"]),
            str(line["on_time_first_reports"]),
            str(line["late_first_reports"]),
            str(line["missing_first_reports"]),
            str(line["from_other_sources"]),
            str(line["concealment_flags"]),
            str(line["missed_check_ins"]),
            _minutes(line["median_to_acknowledge_s"]),
            _minutes(line["median_to_first_report_s"]),
        )
    return table


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"
