"""`dutywatch roster …`: check and import the roster file; ask who is on duty; print a month's wall plan."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from schemas.values import HolidaySource
from services.duty_roster.adapters.holidays_file import HolidayFileError, estimated_notice, load_calendar
from services.duty_roster.adapters.roster_file import read_roster
from services.duty_roster.adapters.views import OnDutyView, OverrideRequest, PlanView, on_duty_view, plan_view
from services.duty_roster.domain import (
    LOCAL_TZ,
    Role,
    RosterIndex,
    UnknownUnitError,
    estimated_years,
    month_plan,
    parse_month,
)
from services.duty_roster.settings import Settings

__all__ = ["roster_app"]

roster_app = typer.Typer(help="The duty roster: check, import, who is on duty, monthly plans.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

RosterFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The roster YAML file.")]
UnitOption = Annotated[str, typer.Option("--unit", help="The unit id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
FileOption = Annotated[Path | None, typer.Option("--file", help="Ask a roster file instead of the imported roster.")]


@roster_app.command("check")
def check(path: RosterFile) -> None:
    """Report every problem of a roster file and of the holiday file, each with its line; exit 1 if there is any.
    Years whose holidays are only estimated are a warning."""
    holidays_file = Settings().holidays_file
    try:
        calendar = load_calendar(holidays_file)
    except HolidayFileError as error:
        for problem in error.problems:
            typer.echo(f"{holidays_file}: {problem}")
        console.print(f"{len(error.problems)} problem(s) in {holidays_file}", style="red")
        raise typer.Exit(1) from None
    index, issues = read_roster(path.read_text(encoding="utf-8"), calendar)
    for issue in issues:
        typer.echo(f"{path}:{issue.line}: {issue.message}")
    for year in [] if index is None else estimated_years(index):
        typer.echo(f"{path}: warning: {estimated_notice(year, holidays_file)}")
    if issues:
        console.print(f"{len(issues)} problem(s) in {path}", style="red")
        raise typer.Exit(1)
    console.print(f"{path}: no problems", style="green")


@roster_app.command("import")
def import_(path: RosterFile) -> None:
    """Load the roster file into the roster's database, all or nothing; its changes reach Kafka via the outbox."""
    from services.duty_roster.app import import_roster

    settings = Settings()
    issues, outcome, published = asyncio.run(
        import_roster(settings, path.read_text(encoding="utf-8"), str(path), datetime.now(UTC))
    )
    for issue in issues:
        typer.echo(f"{path}:{issue.line}: {issue.message}", err=True)
    if issues:
        errors.print(f"nothing imported: {len(issues)} problem(s) in {path}", style="red")
        raise typer.Exit(1)
    console.print(f"{path}: {outcome}; {published} event(s) queued for Kafka ({settings.database})")


@roster_app.command("override")
def override(
    unit: UnitOption,
    role: Annotated[Role, typer.Option("--role", help="officer (值班员) or leader (带班领导).")],
    by: Annotated[str, typer.Option("--by", help="Who takes the duty (person id).")],
    starts: Annotated[datetime, typer.Option("--from", help="Start; Asia/Shanghai unless it says.")],
    ends: Annotated[datetime, typer.Option("--until", help="End; Asia/Shanghai unless it says.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (病假, 事假, …), for the record.")],
    entered_by: Annotated[str, typer.Option("--entered-by", help="Who enters it, for the record.")],
    replaces: Annotated[str | None, typer.Option("--replaces", help="Only where this person was planned.")] = None,
) -> None:
    """Enter an override (leave, sickness) into the imported roster; refused with every problem if it would clash."""
    from services.duty_roster.app import enter_override

    now = datetime.now(UTC)
    try:
        request = OverrideRequest(
            role=role, by=by, replaces=replaces, starts_at=starts, ends_at=ends, reason=reason, entered_by=entered_by
        )
    except ValidationError as error:
        raise typer.BadParameter(str(error)) from None
    issues = asyncio.run(enter_override(Settings(), request.to_override(unit, now), now))
    for issue in issues:
        typer.echo(f"refused: {issue.message}", err=True)
    if issues:
        raise typer.Exit(1)
    console.print(f"override recorded: {by} is {role.label} of {unit} from {starts} until {ends}")


@roster_app.command("who")
def who(
    unit: UnitOption,
    at: Annotated[datetime | None, typer.Option("--at", help="ISO 8601 instant; Asia/Shanghai unless it says.")] = None,
    as_json: JsonOption = False,
    file: FileOption = None,
) -> None:
    """Who is on-duty officer and duty leader of a unit, now or at --at."""
    index = _roster(file)
    instant = datetime.now(UTC) if at is None else (at if at.tzinfo else at.replace(tzinfo=LOCAL_TZ))
    view = _or_exit(lambda: on_duty_view(index, index.on_duty(unit, instant)))
    if as_json:
        console.print_json(view.model_dump_json())
        return
    _print_on_duty(view)


@roster_app.command("plan")
def plan(
    unit: UnitOption,
    month: Annotated[str, typer.Option("--month", help="YYYY-MM, e.g. 2026-12.")],
    as_json: JsonOption = False,
    file: FileOption = None,
) -> None:
    """The month's duty table as posted on the wall, holidays (休) and make-up working days (班) marked."""
    index = _roster(file)
    try:
        year, number = parse_month(month)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--month") from None
    view = _or_exit(lambda: plan_view(index, unit, month, month_plan(index, unit, year, number)))
    if as_json:
        console.print_json(view.model_dump_json())
        return
    _print_plan(view)


def _roster(file: Path | None) -> RosterIndex:
    settings = Settings()
    if file is not None:
        index, issues = read_roster(file.read_text(encoding="utf-8"), load_calendar(settings.holidays_file))
        if index is None or issues:
            errors.print(f"{file} has problems; run `dutywatch roster check {file}`", style="red")
            raise typer.Exit(1)
        return index
    index_or_none = asyncio.run(_imported(settings))
    if index_or_none is None:
        errors.print(f"no roster imported in {settings.database}; run `dutywatch roster import FILE`", style="red")
        raise typer.Exit(1)
    return index_or_none


async def _imported(settings: Settings) -> RosterIndex | None:
    from services.duty_roster.app import RosterInForce, roster_wiring

    wiring = roster_wiring(settings, lambda: datetime.now(UTC))
    try:
        await wiring.database.store.create_tables()
        roster = RosterInForce(wiring.work, load_calendar(settings.holidays_file))
        index = await roster.refresh()
        return index if roster.version is not None else None
    finally:
        await wiring.database.store.close()


def _or_exit(answer: Callable[[], T]) -> T:
    try:
        return answer()
    except UnknownUnitError as error:
        errors.print(str(error), style="red")
        raise typer.Exit(1) from None


def _person(person: object) -> str:
    return "—（空缺）" if person is None else f"{person.name} {person.phone}"  # type: ignore[attr-defined]


def _print_on_duty(view: OnDutyView) -> None:
    start, end = (instant.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") for instant in (view.starts_at, view.ends_at))
    console.print(f"[bold]{view.unit_name}[/bold] ({view.unit_id})  {start} – {end}")
    console.print(f"  值班员   {_person(view.officer)}")
    console.print(f"  带班领导 {_person(view.leader)}")
    for note in view.notes:
        console.print(f"  注: {note}")
    _print_holidays(view.holidays, view.starts_at.astimezone(LOCAL_TZ).year)


def _print_holidays(source: HolidaySource, year: int) -> None:
    if source is HolidaySource.ESTIMATED:
        console.print(f"  节假日: estimated（估算: {year} 年放假安排未录入）", style="yellow")
    else:
        console.print("  节假日: official (国务院放假安排)")


def _print_plan(view: PlanView) -> None:
    table = Table(title=f"{view.unit_name} {view.month} 值班表")
    for column in ("日期", "星期", "", "交班", "值班员", "带班领导", "备注"):
        table.add_column(column)
    for row in view.rows:
        table.add_row(
            f"{row.day:%m-%d}",
            row.weekday,
            row.mark + (f" {row.festival}" if row.festival else ""),
            f"{row.starts_at.astimezone(LOCAL_TZ):%H:%M}",
            _person(row.officer),
            _person(row.leader),
            "; ".join(row.notes),
        )
    console.print(table)
    _print_holidays(view.holidays, int(view.month[:4]))
