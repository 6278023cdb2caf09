"""The plans file (YAML, beside the roster) → a PlanBook, with every problem found and its line.

areas:                         # unit → area codes (行政区划代码) or names that weather warnings name
  fuli-home: ["420303", 张湾区]
plans:
  - {id: fuli-night, unit: fuli-home, kind: daily_round, every_minutes: 120, checkpoints: [1号楼, 厨房]}
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from schemas.values import Person
from services.rounds.adapters.plan_entries import PlanEntry, PlansDocument
from services.rounds.domain import (
    NOTICE_CHECKLIST,
    Hotspot,
    Household,
    OnHoliday,
    Plan,
    PlanBook,
    RoundKind,
    Schedule,
)
from services.runtime.yaml_lines import DocumentReader, Issue, LineMap, line_of, load_mapping

__all__ = ["PlansFileError", "load_plans", "parse_plans"]

DEFAULT_WINDOW_MINUTES = {
    RoundKind.INSPECTION: 8 * 60,
    RoundKind.DAILY_ROUND: 60,
    RoundKind.STREET_PATROL: 4 * 60,
    RoundKind.HOME_VISIT: 24 * 60,
}
WHAT_IT_CHECKS = {
    RoundKind.DAILY_ROUND: "checkpoints",
    RoundKind.STREET_PATROL: "hotspots",
    RoundKind.HOME_VISIT: "households",
}
TIMINGS = ("times", "every_minutes", "every_days", "weekday")


class PlansFileError(ValueError):
    """The plans file has problems; the message lists each with its line."""

    def __init__(self, path: Path, issues: Sequence[Issue]) -> None:
        super().__init__(f"{path}: " + "; ".join(str(issue) for issue in issues))
        self.issues = list(issues)


def parse_plans(text: str, known_units: set[str] | None = None) -> tuple[PlanBook, list[Issue]]:
    """Read the whole file and report every problem with its line (sorted); the book holds the valid plans."""
    document = load_mapping(text, "the plans file must be a mapping with areas: and plans:", blank=LineMap())
    if isinstance(document, Issue):
        return PlanBook(), [document]
    reader = DocumentReader(document)
    top = reader.validate([], document, PlansDocument)
    if top is None:
        return PlanBook(), sorted(reader.issues)
    plans = _read_plans(reader, known_units)
    areas = {unit: tuple(str(code) for code in codes) for unit, codes in top.areas.items()}
    return PlanBook(tuple(plans), areas), sorted(reader.issues)


def load_plans(path: Path | None, known_units: set[str] | None = None) -> PlanBook:
    """The plans of `path` (none when no file is set); raises PlansFileError naming each bad line."""
    if path is None:
        return PlanBook()
    book, issues = parse_plans(path.read_text(encoding="utf-8"), known_units)
    if issues:
        raise PlansFileError(path, issues)
    return book


def _read_plans(reader: DocumentReader, known_units: set[str] | None) -> list[Plan]:
    plans: dict[str, Plan] = {}
    seen: set[str] = set()
    for position, item in enumerate(reader.document.get("plans") or []):
        path: list[Any] = ["plans", position]
        entry = reader.validate(path, item, PlanEntry)
        if entry is None:
            continue
        if entry.id in seen:
            reader.problem([*path, "id"], f"plan {entry.id!r} is listed twice")
        seen.add(entry.id)
        if known_units is not None and entry.unit not in known_units:
            reader.problem([*path, "unit"], f"unknown unit {entry.unit!r} (not in the roster)")
        plan = _plan(reader, path, entry)
        if plan is not None:
            plans[entry.id] = plan
    return list(plans.values())


def _plan(reader: DocumentReader, path: list[Any], entry: PlanEntry) -> Plan | None:
    before = len(reader.issues)
    schedule = _schedule(reader, path, entry)
    items = _items(reader, path, entry)
    assignees = tuple(_assignee(reader, [*path, "assignees", n], each) for n, each in enumerate(entry.assignees))
    if len(reader.issues) > before or schedule is None:
        return None
    return Plan(
        id=entry.id,
        unit_id=entry.unit,
        kind=entry.kind,
        title=entry.title or entry.kind.label,
        schedule=schedule,
        items=items,
        households=tuple(Household(h.id, h.name, h.group, h.address) for h in entry.households or ()),
        hotspots=tuple(Hotspot(h.name, h.lat, h.lon) for h in entry.hotspots or ()),
        vehicle=entry.vehicle,
        assignees=tuple(person for person in assignees if person is not None),
        line=line_of(reader.document, path),
    )


def _schedule(reader: DocumentReader, path: list[Any], entry: PlanEntry) -> Schedule | None:
    given = [name for name in TIMINGS if getattr(entry, name) is not None]
    if len(given) > 1:
        reader.problem(path, f"plan {entry.id!r}: give one of {', '.join(TIMINGS)}, not {' and '.join(given)}")
        return None
    if not given and entry.kind in (RoundKind.DAILY_ROUND, RoundKind.STREET_PATROL):
        reader.problem(path, f"plan {entry.id!r}: a {entry.kind.value} needs times: or every_minutes:")
        return None
    weekday = entry.weekday if given or entry.kind is not RoundKind.INSPECTION else 1
    every_days = entry.every_days if given or entry.kind is not RoundKind.HOME_VISIT else 7
    by_day = weekday is not None or every_days is not None
    if entry.cold_wave_every_days is not None and every_days is None:
        reader.problem([*path, "cold_wave_every_days"], "cold_wave_every_days needs every_days:")
    window = timedelta(minutes=entry.window_minutes or DEFAULT_WINDOW_MINUTES[entry.kind])
    default_rule = OnHoliday.NEXT_WORKDAY if entry.kind is RoundKind.INSPECTION and by_day else OnHoliday.KEEP
    return Schedule(
        window=window,
        times=tuple(entry.times or ()),
        every_minutes=entry.every_minutes,
        every_days=every_days,
        weekday=weekday,
        at=entry.at,
        anchor=entry.anchor,
        on_holiday=entry.on_holiday or default_rule,
        cold_wave_times=tuple(entry.cold_wave_times),
        cold_wave_every_days=entry.cold_wave_every_days or (3 if entry.kind is RoundKind.HOME_VISIT else None),
    )


def _items(reader: DocumentReader, path: list[Any], entry: PlanEntry) -> tuple[str, ...]:
    needed = WHAT_IT_CHECKS.get(entry.kind)
    if needed is not None and not getattr(entry, needed):
        reader.problem(path, f"plan {entry.id!r}: a {entry.kind.value} needs {needed}: (a non-empty list)")
    ids = [household.id for household in entry.households or ()]
    for duplicate in sorted({each for each in ids if ids.count(each) > 1}):
        reader.problem([*path, "households"], f"household {duplicate!r} is listed twice")
    if entry.kind is RoundKind.INSPECTION:
        return tuple(entry.checklist or NOTICE_CHECKLIST)
    return tuple(entry.checkpoints or ())


def _assignee(reader: DocumentReader, path: list[Any], entry: Any) -> Person | None:
    phone = reader.phone([*path, "phone"], entry.phone, entry.name)
    if phone is None:
        return None
    return Person(id=f"named.{phone.lstrip('+')}", name=entry.name, phone=phone)
