"""The envelope's typed classes: one per message type for the life of the process."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from schemas.catalog import decode
from schemas.duty import CheckInReceived
from schemas.envelope import Envelope, envelope_of


def test_wrapping_and_decoding_use_one_envelope_class_per_message_type() -> None:
    """Building `Envelope[X]` again costs a new class and validator; both paths reuse the first."""
    payload = CheckInReceived(
        unit_id="maojian", shift_id="maojian@1", phone="+8613800001111", received_at=datetime.now(UTC)
    )
    wrapped = Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC))
    first_class = type(wrapped)
    del wrapped
    gc.collect()
    decoded = decode(Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC)).to_bytes())
    assert type(decoded) is first_class is envelope_of(CheckInReceived)
    assert decoded.payload == payload
