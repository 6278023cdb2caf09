"""A report recipient may list several numbers in the roster file: they become its numbers, in order."""

from __future__ import annotations

from schemas.values import RecipientRole
from services.duty_roster.adapters.roster_file import parse_roster
from tests.duty_roster.support import roster_text


def test_a_recipient_with_a_landline_and_a_mobile_keeps_both_in_order() -> None:
    """`phone: ["0719 800 0000", "139 0000 7777"]` gives the role two recipients, the landline first."""
    text = roster_text("n").replace(
        'municipal_bureau: {name: 市民政局值班室, phone: "0719 800 0000"}',
        'municipal_bureau: {name: 市民政局值班室, phone: ["0719 800 0000", "139 0000 7777"]}',
    )
    parsed = parse_roster(text)
    assert parsed.roster is not None, parsed.issues
    county = next(each.unit for each in parsed.roster.units if each.unit.id == "n-county")
    assert [(each.role, each.phone) for each in county.recipients] == [
        (RecipientRole.MUNICIPAL_BUREAU, "+867198000000"),
        (RecipientRole.MUNICIPAL_BUREAU, "+8613900007777"),
    ]
