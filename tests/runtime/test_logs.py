"""Phone numbers never reach a log line in clear: any country's, landlines, at any depth of a logged value."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from services.runtime.logs import configure_logging, mask_phones

LANDLINE, FOREIGN, MOBILE = "0719-8000123", "+447911123456", "+8613812345678"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The services' JSON log lines, written to a buffer for one test; the set-up it replaced comes back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    written = io.StringIO()
    configure_logging("test", json_lines=True, stream=written)
    yield written
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def test_a_landline_and_a_foreign_number_are_masked_in_a_json_line(json_logs: io.StringIO) -> None:
    """Numbers in the message, in a field, and nested in dicts and lists come out masked; other digits stay."""
    structlog.get_logger("test").info(
        f"calling {LANDLINE}",
        to=FOREIGN,
        recipients=[{"phone": MOBILE, "room": {"phone": "0719 800 0000"}}, ("13912345678",)],
        incident_id="inc-2026-12-01-000123",
    )
    line = json_logs.getvalue().strip().splitlines()[-1]
    logged = json.loads(line)
    assert logged["event"] == "calling 071****0123"
    assert logged["to"] == "+44791****3456"
    assert logged["recipients"] == [{"phone": "+86138****5678", "room": {"phone": "071****0000"}}, ["139****5678"]]
    assert logged["incident_id"] == "inc-2026-12-01-000123"
    for number in (LANDLINE, FOREIGN, MOBILE, "8000123", "7911123456"):
        assert number not in line


def test_library_log_lines_are_masked_too(json_logs: io.StringIO) -> None:
    """A standard-library logger's line (aiokafka, uvicorn) is masked like ours, and a push token in a URL too."""
    logging.getLogger("somelibrary").warning("POST /webhooks/aliyun/sms-up?token=s3cr3t from %s", FOREIGN)
    line = json_logs.getvalue().strip().splitlines()[-1]
    assert json.loads(line)["event"] == "POST /webhooks/aliyun/sms-up?token=*** from +44791****3456"


def test_a_traceback_is_in_the_json_line_as_text_and_masked(json_logs: io.StringIO) -> None:
    """Ours and a library's: an exception logged comes with its traceback (`exception`), numbers in it masked."""
    for log in (structlog.get_logger("test"), logging.getLogger("somelibrary")):
        try:
            raise ValueError(f"no answer from {MOBILE}")
        except ValueError:
            log.exception("sending failed")
    lines = [json.loads(line) for line in json_logs.getvalue().strip().splitlines()[-2:]]
    for logged in lines:
        assert logged["event"] == "sending failed"
        assert "Traceback (most recent call last)" in logged["exception"]
        assert logged["exception"].endswith("ValueError: no answer from +86138****5678")
        assert MOBILE not in json.dumps(logged)


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
