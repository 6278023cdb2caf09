"""Which escalation run a check-in is: the officer's run keeps the shift id as its subject (as before leaders
checked in), the leader's adds a suffix, so a reply to either names the shift and the role it answers."""

from __future__ import annotations

from schemas.duty import DutyRole

__all__ = ["check_in_of", "check_in_subject"]

LEADER_SUFFIX = "/leader"


def check_in_subject(shift_id: str, role: DutyRole) -> str:
    """The subject id of the check-in run of `role` in the shift."""
    return shift_id + LEADER_SUFFIX if role is DutyRole.LEADER else shift_id


def check_in_of(subject_id: str) -> tuple[str, DutyRole]:
    """(shift id, role) of a check-in run's subject id."""
    if subject_id.endswith(LEADER_SUFFIX):
        return subject_id.removesuffix(LEADER_SUFFIX), DutyRole.LEADER
    return subject_id, DutyRole.OFFICER
