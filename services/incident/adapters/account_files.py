"""The accountability table as files: CSV, and XLSX (openpyxl) for the office's spreadsheets.

Both take the lines as the HTTP API gives them (`AccountOut` as JSON), so the service and the command line
write the same columns in the same order (the README lists them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

__all__ = ["ACCOUNT_COLUMNS", "CSV", "XLSX", "account_csv", "account_xlsx"]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCOUNT_COLUMNS = (
    "unit_id",
    "incidents",
    "acknowledged",
    "median_to_acknowledge_s",
    "worst_to_acknowledge_s",
    "median_to_first_report_s",
    "late_first_reports",
    "missing_first_reports",
    "on_time_first_reports",
    "from_other_sources",
    "concealment_flags",
    "missed_check_ins",
    "person_id",
    "name",
    "role",
    "score",
    "rank",
)


def account_csv(lines: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACCOUNT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return buffer.getvalue()


def account_xlsx(lines: Sequence[Mapping[str, Any]], title: str) -> bytes:
    """One sheet, headed by the column names in bold, one row per line."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append(list(ACCOUNT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in lines:
        sheet.append([line.get(column) for column in ACCOUNT_COLUMNS])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
