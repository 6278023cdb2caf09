"""Log masking: a phone number in a log line is cut to what tells people apart."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from services.runtime.logs import configure_logging, mask_phones


def test_a_mainland_mobile_keeps_its_prefix_and_last_four_digits() -> None:
    """`+8613812345678` becomes `+86138****5678`, wherever it stands in the text."""
    assert mask_phones("短信发往 +8613812345678。") == "短信发往 +86138****5678。"


def test_every_number_in_a_text_is_masked_and_the_rest_is_left_as_it_was() -> None:
    """Two numbers in one line are both masked; words, ids and short digit runs are untouched."""
    text = "ack by +8613812345678 for +8613987654321 (run 42, code 1234)"
    assert mask_phones(text) == "ack by +86138****5678 for +86139****4321 (run 42, code 1234)"


def test_a_text_without_a_number_is_unchanged() -> None:
    """Nothing to mask: the text comes back as it went in."""
    assert mask_phones("福利院 3号楼 厨房起火") == "福利院 3号楼 厨房起火"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put the root logger and structlog back as they were: configure_logging changes both process-wide."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


@pytest.mark.usefixtures("restored_logging")
def test_every_field_of_a_json_log_line_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """A structlog event's message and its string fields both leave the service masked."""
    configure_logging("notifier", json_lines=True)
    structlog.get_logger("test").warning("sms to +8613812345678 failed", to="+8613812345678", attempt=3)
    line = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert (line["event"], line["to"], line["attempt"]) == ("sms to +86138****5678 failed", "+86138****5678", 3)
