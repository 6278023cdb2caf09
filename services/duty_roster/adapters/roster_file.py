"""The roster file an office writes by hand (YAML) → a Roster, with every problem found and its line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any, TypeVar

from pydantic import BaseModel

from schemas.values import Person, Recipient
from services.duty_roster.adapters.roster_entries import (
    OverrideEntry,
    PersonEntry,
    PlannedEntry,
    RecipientEntry,
    SwapEntry,
    UnitEntry,
    local_datetime,
)
from services.duty_roster.domain.calendar import HolidayCalendar
from services.duty_roster.domain.checks import Issue, check_roster
from services.duty_roster.domain.lookup import RosterIndex
from services.duty_roster.domain.model import Override, Roster, Rotation, ShiftPattern, Swap, Unit, UnitRoster
from services.runtime.yaml_lines import DocumentReader, line_of, load_mapping

__all__ = ["ParsedRoster", "parse_roster", "read_roster"]

E = TypeVar("E", bound=BaseModel)
SECTIONS = ("planned", "people", "units", "overrides", "swaps", "administrators")


@dataclass
class ParsedRoster:
    """The roster read from a file, and the problems met on the way (the roster is None if it could not be read)."""

    roster: Roster | None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _RosterReader(DocumentReader):
    """A roster file's reader: the people read so far, that later sections name."""

    people: dict[str, Person] = field(default_factory=dict)

    def entries(self, section: str, model: type[E]) -> list[tuple[int, E]]:
        """Each valid item of a list section with its index; each invalid one becomes problems."""
        items = self.document.get(section) or []
        if not isinstance(items, list):
            self.problem([section], f"{section}: expected a list")
            return []
        valid = []
        for position, item in enumerate(items):
            entry = self.validate([section, position], item, model)
            if entry is not None:
                valid.append((position, entry))
        return valid

    def known(self, path: list[Any], person_id: str | None) -> str | None:
        if person_id is not None and person_id not in self.people:
            self.problem(path, f"unknown person {person_id!r} (not under people:)")
        return person_id


def parse_roster(text: str) -> ParsedRoster:
    """Read the whole file; report every problem the file itself shows (the domain checks the rest)."""
    document = load_mapping(text, "the roster file must be a mapping with planned:, people: and units:")
    if isinstance(document, Issue):
        return ParsedRoster(None, [document])
    reader = _RosterReader(document)
    for key in document:
        if key not in SECTIONS and not str(key).startswith("x-"):
            reader.problem(
                [key], f"unknown section {key!r}; the sections are {', '.join(SECTIONS)} (and x-… for shared blocks)"
            )
    planned = reader.validate(["planned"], document.get("planned"), PlannedEntry)
    _read_people(reader)
    units = _read_units(reader)
    overrides = [_override(reader, position, entry) for position, entry in reader.entries("overrides", OverrideEntry)]
    swaps = [_swap(reader, position, entry, units) for position, entry in reader.entries("swaps", SwapEntry)]
    if planned is None:
        return ParsedRoster(None, reader.issues)
    administrators = _read_administrators(reader)
    roster = Roster(
        reader.people, tuple(units), planned.starts, planned.ends, tuple(overrides), tuple(swaps), administrators
    )
    return ParsedRoster(roster, reader.issues)


def _read_administrators(reader: _RosterReader) -> tuple[str, ...]:
    """`administrators:`, the people who keep the roster and the holiday file (reminded when a year is estimated)."""
    listed = reader.document.get("administrators") or []
    if not isinstance(listed, list) or not all(isinstance(each, str) for each in listed):
        reader.problem(["administrators"], "administrators: expected a list of person ids")
        return ()
    for position, person in enumerate(listed):
        reader.known(["administrators", position], person)
    return tuple(person for person in listed if person in reader.people)


def _read_people(reader: _RosterReader) -> None:
    for position, entry in reader.entries("people", PersonEntry):
        if entry.id in reader.people:
            reader.problem(["people", position], f"person {entry.id!r} is listed twice")
        phone = reader.phone(["people", position, "phone"], entry.phone, f"{entry.name} ({entry.id})")
        # A person with a bad number stays known, so the rest of the file is still checked against them.
        reader.people[entry.id] = Person.model_construct(id=entry.id, name=entry.name, phone=phone or str(entry.phone))


def _read_units(reader: _RosterReader) -> list[UnitRoster]:
    units: dict[str, UnitRoster] = {}
    for position, entry in reader.entries("units", UnitEntry):
        if entry.id in units:
            reader.problem(["units", position, "id"], f"unit {entry.id!r} is listed twice")
        units[entry.id] = _unit_roster(reader, ["units", position], entry)
    return list(units.values())


def _unit_roster(reader: _RosterReader, path: list[Any], entry: UnitEntry) -> UnitRoster:
    def rotation(key: str, people: list[str | None] | None) -> Rotation | None:
        if people is None:
            return None
        ids = tuple(reader.known([*path, key, slot], person) for slot, person in enumerate(people))
        return Rotation(ids, tuple(line_of(reader.document, [*path, key, slot]) for slot in range(len(ids))))

    pattern = ShiftPattern(entry.shifts.start, entry.shifts.handover, entry.shifts.hours)
    return UnitRoster(
        unit=_unit(reader, path, entry),
        pattern=pattern,
        officers=rotation("officers", entry.officers) or Rotation(()),
        leaders=rotation("leaders", entry.leaders) or Rotation(()),
        holiday_officers=rotation("holiday_officers", entry.holiday_officers),
        holiday_leaders=rotation("holiday_leaders", entry.holiday_leaders),
    )


def _unit(reader: _RosterReader, path: list[Any], entry: UnitEntry) -> Unit:
    duty_room = None
    if entry.duty_room is not None:
        phone = reader.phone([*path, "duty_room", "phone"], entry.duty_room.phone, entry.duty_room.name)
        if phone is not None:
            duty_room = Person(id=f"{entry.id}.duty-room", name=entry.duty_room.name, phone=phone)
    return Unit(
        id=entry.id,
        name=entry.name,
        kind=entry.kind,
        parent_id=entry.parent,
        duty_room=duty_room,
        recipients=tuple(_recipients(reader, [*path, "recipients"], entry.recipients)),
        line=line_of(reader.document, path),
    )


def _recipients(reader: _RosterReader, path: list[Any], rooms: dict[Any, RecipientEntry]) -> list[Recipient]:
    recipients = []
    for role, room in rooms.items():
        for raw in room.phones:
            phone = reader.phone([*path, role.value, "phone"], raw, room.name)
            if phone is not None:
                recipients.append(Recipient(role=role, name=room.name, phone=phone))
    return recipients


def _override(reader: _RosterReader, position: int, entry: OverrideEntry) -> Override:
    path: list[Any] = ["overrides", position]
    return Override(
        unit_id=entry.unit,
        role=entry.role,
        by=reader.known([*path, "by"], entry.by) or entry.by,
        replaces=reader.known([*path, "replaces"], entry.replaces),
        starts_at=local_datetime(entry.starts),
        ends_at=local_datetime(entry.ends),
        reason=entry.reason,
        entered_by=entry.entered_by,
        entered_at=local_datetime(entry.entered_at),
        line=line_of(reader.document, path),
    )


def _swap(reader: _RosterReader, position: int, entry: SwapEntry, units: list[UnitRoster]) -> Swap:
    patterns = {each.unit.id: each.pattern for each in units}
    handover = patterns[entry.unit].handover if entry.unit in patterns else time(8, 30)
    return Swap(
        unit_id=entry.unit,
        role=entry.role,
        first=local_datetime(entry.first, handover),
        second=local_datetime(entry.second, handover),
        reason=entry.reason,
        entered_by=entry.entered_by,
        entered_at=local_datetime(entry.entered_at),
        line=line_of(reader.document, ["swaps", position]),
    )


def read_roster(
    text: str, calendar: HolidayCalendar, overrides: Sequence[Override] = ()
) -> tuple[RosterIndex | None, list[Issue]]:
    """Parse and check a roster file, with the overrides entered since: the index to query, and every problem
    (sorted by line); None if the file cannot be read."""
    parsed = parse_roster(text)
    if parsed.roster is None:
        return None, sorted(parsed.issues)
    index = RosterIndex(parsed.roster, calendar).with_overrides(overrides)
    return index, sorted(parsed.issues + check_roster(index))
