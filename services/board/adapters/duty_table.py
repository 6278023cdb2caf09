"""The month's duty table as an XLSX workbook, and one person's shifts as an iCalendar feed."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from services.board.adapters.web.render import local

__all__ = ["person_calendar", "plan_workbook"]

HEADER = (
    "日期",
    "星期",
    "标记",
    "节日",
    "接班时间",
    "交班时间",
    "值班员",
    "值班员电话",
    "带班领导",
    "带班领导电话",
    "备注",
)
HOLIDAY_FILL = PatternFill("solid", fgColor="FDE2E1")
WORKDAY_FILL = PatternFill("solid", fgColor="E3F0FF")


def _name(person: dict[str, Any] | None) -> tuple[str, str]:
    return ("空岗", "") if person is None else (person["name"], person["phone"])


def plan_workbook(plan: dict[str, Any]) -> bytes:
    """One sheet: the roster's month plan, holidays (休) and make-up working days (班) shaded."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = plan["month"]
    sheet.append([f"{plan['unit_name']} {plan['month']} 值班表"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in plan["rows"]:
        officer, leader = _name(row["officer"]), _name(row["leader"])
        sheet.append(
            [
                row["day"],
                row["weekday"],
                row["mark"],
                row["festival"] or "",
                local(row["starts_at"]),
                local(row["ends_at"]),
                *officer,
                *leader,
                "；".join(row["notes"]),
            ]
        )
        fill = {"休": HOLIDAY_FILL, "班": WORKDAY_FILL}.get(row["mark"])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if fill is not None:
                cell.fill = fill
    for column, width in zip("ABCDEFGHIJK", (12, 8, 6, 10, 13, 13, 10, 16, 10, 16, 40), strict=True):
        sheet.column_dimensions[column].width = width
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def person_calendar(person_id: str, plans: Iterable[dict[str, Any]], now: datetime) -> bytes:
    """Every planned shift of `person_id` in `plans`, as 值班 or 带班 events."""
    calendar = Calendar()
    calendar.add("prodid", "-//dutywatch//board//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "值班安排")
    for plan in plans:
        for row in plan["rows"]:
            for role, label in (("officer", "值班"), ("leader", "带班")):
                if (row[role] or {}).get("id") == person_id:
                    calendar.add_component(_event(plan, row, role, label, now))
    return calendar.to_ical()


def _event(plan: dict[str, Any], row: dict[str, Any], role: str, label: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"{row['starts_at']}-{plan['unit_id']}-{role}@dutywatch")
    event.add("summary", f"{plan['unit_name']} {label}")
    event.add("dtstart", datetime.fromisoformat(row["starts_at"]))
    event.add("dtend", datetime.fromisoformat(row["ends_at"]))
    event.add("dtstamp", now)
    if row["notes"]:
        event.add("description", "；".join(row["notes"]))
    return event
