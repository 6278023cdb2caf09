"""Domain tier: the channel a number can take, and a role's numbers one per step."""

from __future__ import annotations

from datetime import timedelta

from schemas.values import Channel
from services.notifier.domain import Contact, Policy, Step, StepChannel
from services.notifier.domain.numbers import alternates_of, channel_for, is_fixed_line

LANDLINE, MOBILE = "+867198000000", "+8613900139077"


def test_a_fixed_line_is_called_where_a_mobile_is_texted() -> None:
    """0719 … is a fixed line: an SMS step calls it; a mobile keeps its SMS; a call stays a call."""
    assert is_fixed_line(LANDLINE) and not is_fixed_line(MOBILE)
    assert channel_for(LANDLINE, Channel.SMS) is Channel.VOICE
    assert channel_for(MOBILE, Channel.SMS) is Channel.SMS
    assert channel_for(MOBILE, Channel.VOICE) is Channel.VOICE


def test_a_roles_numbers_take_turns_one_per_step() -> None:
    """`recipient`, `recipient+1`: step 0 reaches the first, step 1 the second, step 2 the first again."""
    assert alternates_of("recipient", ["recipient", "recipient+1", "other"]) == ["recipient", "recipient+1"]
    policy = Policy(steps=(Step(("recipient",), StepChannel.SMS, wait=timedelta(minutes=5)),), repeat=2)
    contacts = {"recipient": Contact("市民政局值班室", LANDLINE), "recipient+1": Contact("值班员", MOBILE)}
    reached = [policy.notifications(step, contacts, major=False)[0] for step in range(3)]
    assert [(each.contact.phone, each.channel) for each in reached] == [
        (LANDLINE, Channel.VOICE),
        (MOBILE, Channel.SMS),
        (LANDLINE, Channel.VOICE),
    ]
