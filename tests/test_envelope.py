"""The envelope's typed classes: one per message type for the life of the process."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from schemas.catalog import decode
from schemas.duty import (
    CheckInMissed,
    CheckInMissedV1,
    CheckInReceived,
    CheckInReceivedV1,
    CheckInRequested,
    CheckInRequestedV1,
    DutyRole,
    ShiftStarted,
    ShiftStartedV1,
)
from schemas.envelope import Envelope, envelope_of
from schemas.values import HolidaySource, Person


def test_wrapping_and_decoding_use_one_envelope_class_per_message_type() -> None:
    """Building `Envelope[X]` again costs a new class and validator; both paths reuse the first."""
    payload = CheckInReceived(
        unit_id="maojian",
        shift_id="maojian@1",
        role=DutyRole.OFFICER,
        phone="+8613800001111",
        received_at=datetime.now(UTC),
    )
    wrapped = Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC))
    first_class = type(wrapped)
    del wrapped
    gc.collect()
    decoded = decode(Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC)).to_bytes())
    assert type(decoded) is first_class is envelope_of(CheckInReceived)
    assert decoded.payload == payload


def test_a_version_1_shift_decodes_as_the_current_version_marked_official() -> None:
    """duty.shift_started v1 (before shifts carried `holidays`) still decodes, as v2 with `holidays: official`."""
    officer = Person(id="a", name="甲", phone="+8613800000001")
    leader = Person(id="b", name="乙", phone="+8613900000002")
    now = datetime.now(UTC)
    old = ShiftStartedV1(
        unit_id="maojian", shift_id="maojian@1", officer=officer, leader=leader, starts_at=now, ends_at=now
    )
    decoded = decode(Envelope.wrap(old, producer="old-roster", occurred_at=now).to_bytes())
    assert decoded.version == 2 and decoded.producer == "old-roster"
    assert isinstance(decoded.payload, ShiftStarted) and decoded.payload.holidays is HolidaySource.OFFICIAL
    assert decoded.payload.officer == officer


def test_a_current_shift_keeps_its_estimate() -> None:
    """duty.shift_started v2 carries `holidays: estimated` through encoding and decoding."""
    officer = Person(id="a", name="甲", phone="+8613800000001")
    now = datetime.now(UTC)
    shift = ShiftStarted(
        unit_id="maojian",
        shift_id="maojian@1",
        officer=officer,
        leader=officer,
        starts_at=now,
        ends_at=now,
        holidays=HolidaySource.ESTIMATED,
    )
    decoded = decode(Envelope.wrap(shift, producer="roster", occurred_at=now).to_bytes())
    assert decoded.version == 2 and decoded.payload == shift


def test_version_1_check_ins_decode_as_the_officers() -> None:
    """duty.check_in_requested, _received and _missed v1 (officers only, before leaders checked in) still decode, as
    v2 of the officer's role with the officer as the person."""
    officer = Person(id="a", name="甲", phone="+8613800000001")
    leader = Person(id="b", name="乙", phone="+8613900000002")
    now = datetime.now(UTC)
    old = [
        CheckInRequestedV1(unit_id="maojian", shift_id="maojian@1", officer=officer, starts_at=now, due_by=now),
        CheckInReceivedV1(unit_id="maojian", shift_id="maojian@1", phone=officer.phone, received_at=now),
        CheckInMissedV1(
            unit_id="maojian",
            shift_id="maojian@1",
            officer=officer,
            leader=leader,
            due_by=now,
            municipal_duty_room=None,
        ),
    ]
    decoded = [decode(Envelope.wrap(each, producer="old-roster", occurred_at=now).to_bytes()) for each in old]
    assert [each.version for each in decoded] == [2, 2, 2]
    requested, received, missed = (each.payload for each in decoded)
    assert isinstance(requested, CheckInRequested) and requested.person == officer
    assert isinstance(received, CheckInReceived) and received.phone == officer.phone
    assert isinstance(missed, CheckInMissed) and (missed.person, missed.leader) == (officer, leader)
    assert {requested.role, received.role, missed.role} == {DutyRole.OFFICER}
