"""Domain tier: joining repeated reports by place, under the documented similarity rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.values import IncidentType, Severity
from services.incident.domain import DedupPolicy, Incident, Source
from services.incident.domain.places import normalise_location, same_place

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("福利院 3号楼", "福利院3号楼"),
        ("福利院三号楼", "福利院3号楼"),
        ("福利院３栋", "福利院3号楼"),
        ("十二楼，东侧", "12楼东侧"),
        ("二十三号房", "23号房"),
    ],
)
def test_locations_are_normalised_before_they_are_compared(written: str, normalised: str) -> None:
    """Spaces, punctuation, full-width digits, Chinese numerals and 栋/幢 are written one way."""
    assert normalise_location(written) == normalised


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("福利院3号楼", "福利院三号楼", True),
        ("福利院3号楼", "福利院3号楼二层", True),
        ("福利院", "福利院3号楼", True),
        ("福利院3号楼", "福利院4号楼", False),
        ("福利院3号楼", "救助站门口", False),
    ],
)
def test_one_place_contains_the_other_or_they_are_two(one: str, other: str, same: bool) -> None:
    """The same place when one normalised form contains the other; another building is another place."""
    assert same_place(one, other) is same


def test_two_residents_missing_from_different_buildings_are_two_incidents() -> None:
    """Same unit, type and hour, another building: no join; the same building said another way: join."""
    missing = Incident(
        "inc-1", "home", IncidentType.MISSING_PERSON, Severity.IV, NOW, NOW, "福利院3号楼", "走失", "王芳",
        Source.SMS, NOW + timedelta(hours=1),
    )  # fmt: skip
    policy = DedupPolicy()
    assert policy.match([missing], NOW, "福利院5号楼", None) is None
    assert policy.match([missing], NOW, "福利院 三号楼", None) is missing
