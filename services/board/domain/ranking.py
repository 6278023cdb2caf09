"""The ranking of units (通报排名) from the incident service's accountability figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["AccountLine", "Ranked", "rank_units"]


@dataclass(frozen=True)
class AccountLine:
    """One unit's figures over a period (the incident service's `/accountability`)."""

    unit_id: str
    incidents: int
    acknowledged: int
    median_to_acknowledge_s: float | None
    median_to_first_report_s: float | None
    late_first_reports: int
    missing_first_reports: int


@dataclass(frozen=True)
class Ranked:
    place: int
    line: AccountLine


def _badness(line: AccountLine) -> tuple[float, ...]:
    # Missing reports (漏报) weigh more than late ones (迟报); then how fast the unit answered.
    unacknowledged = line.incidents - line.acknowledged
    slowest = math.inf if line.median_to_first_report_s is None and line.incidents else 0.0
    return (
        line.missing_first_reports,
        line.late_first_reports,
        unacknowledged,
        line.median_to_first_report_s if line.median_to_first_report_s is not None else slowest,
        line.median_to_acknowledge_s or 0.0,
    )


def rank_units(lines: Sequence[AccountLine]) -> list[Ranked]:
    """Best first; units with the same figures share a place."""
    ordered = sorted(lines, key=lambda line: (_badness(line), line.unit_id))
    ranked: list[Ranked] = []
    for index, line in enumerate(ordered):
        tied = ranked and _badness(ranked[-1].line) == _badness(line)
        ranked.append(Ranked(ranked[-1].place if tied else index + 1, line))
    return ranked
