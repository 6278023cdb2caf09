"""`duty_room_for`: the duty room above a unit, the one answer the incident, rounds and notifier services share."""

from __future__ import annotations

from schemas.values import Person, UnitKind
from services.directory.domain import Unit
from services.directory.lookup import duty_room_for
from services.directory.testing import MemoryDirectory

CITY_ROOM = Person(id="city-room", name="市局值班室", phone="+867198888001")
DISTRICT_ROOM = Person(id="district-room", name="区局值班室", phone="+867198888002")
HOME_ROOM = Person(id="home-room", name="福利院值班室", phone="+867198888003")


async def _directory(*units: Unit) -> MemoryDirectory:
    directory = MemoryDirectory()
    for unit in units:
        await directory.save_unit(unit)
    return directory


async def test_the_parents_duty_room_answers_for_a_unit_and_a_top_unit_answers_for_itself() -> None:
    """Below the top, the parent's duty room (not the unit's own); at the top, the unit's own."""
    city = Unit("city", "市局", UnitKind.MUNICIPAL_BUREAU, None, CITY_ROOM)
    district = Unit("district", "区局", UnitKind.DISTRICT_BUREAU, "city", DISTRICT_ROOM)
    home = Unit("home", "福利院", UnitKind.WELFARE_HOME, "district", HOME_ROOM)
    directory = await _directory(city, district, home)
    assert await duty_room_for(directory, home) == DISTRICT_ROOM
    assert await duty_room_for(directory, district) == CITY_ROOM
    assert await duty_room_for(directory, city) == CITY_ROOM


async def test_a_unit_whose_parent_has_no_duty_room_or_is_unknown_answers_for_itself() -> None:
    """A parent without a duty room, or one the directory has not heard of, leaves the unit's own; no unit, none."""
    district = Unit("district", "区局", UnitKind.DISTRICT_BUREAU, None)
    home = Unit("home", "福利院", UnitKind.WELFARE_HOME, "district", HOME_ROOM)
    orphan = Unit("orphan", "敬老院", UnitKind.WELFARE_HOME, "nowhere", HOME_ROOM)
    directory = await _directory(district, home, orphan)
    assert await duty_room_for(directory, home) == HOME_ROOM
    assert await duty_room_for(directory, orphan) == HOME_ROOM
    assert await duty_room_for(directory, None) is None
