"""What a number can take, and which of a recipient's numbers a step reaches.

A duty room is often a landline (the sample's are `0719 …`): it takes no SMS, so a step that would text a
fixed line calls it instead, and the call reads the message at once. A recipient may have several numbers
(the duty room's landline, then the duty officer's mobile); they are tried in order, one per step, round
again from the first: the track's contacts hold them as `role`, `role+1`, `role+2`, ….
"""

from __future__ import annotations

import functools

import phonenumbers

from schemas.values import Channel

__all__ = ["ALTERNATE", "alternates_of", "channel_for", "is_fixed_line"]

ALTERNATE = "+"


@functools.lru_cache(maxsize=4096)
def is_fixed_line(phone: str) -> bool:
    """True for a number phonenumbers knows only as a fixed line (not fixed-line-or-mobile, not mobile)."""
    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE


def channel_for(phone: str, channel: Channel) -> Channel:
    """The channel a step uses for this number: a call where an SMS cannot arrive."""
    return Channel.VOICE if channel is Channel.SMS and is_fixed_line(phone) else channel


def alternates_of(role: str, keys: list[str]) -> list[str]:
    """The contact keys of `role` in order: `role`, then `role+1`, `role+2`, …, as far as they are present."""
    found = [role] if role in keys else []
    index = 1
    while f"{role}{ALTERNATE}{index}" in keys:
        found.append(f"{role}{ALTERNATE}{index}")
        index += 1
    return found
