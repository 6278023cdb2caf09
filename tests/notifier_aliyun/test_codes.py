"""Domain tier: Aliyun's error codes and receipt codes, translated into our error kinds and status words; the
reference of a pushed reply."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.notifier.adapters.aliyun.codes import call_result_status, classify, sms_receipt_status, sms_send_status
from services.notifier.adapters.aliyun.reports import keys_pressed
from services.notifier.ports import PermanentDeliveryError, RetryableDeliveryError


@pytest.mark.parametrize(
    "code", ["isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isv.AMOUNT_NOT_ENOUGH", "Throttling.User", "isp.X"]
)
def test_flow_control_and_system_errors_are_retryable(code: str) -> None:
    """Flow control, a busy system and account trouble may pass, or another provider may carry the message."""
    assert isinstance(classify(code, "msg"), RetryableDeliveryError)


@pytest.mark.parametrize(
    "code", ["isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.NEW_CODE"]
)
def test_number_and_template_errors_are_permanent(code: str) -> None:
    """An illegal number or a template that does not match never succeeds: the notifier tries the other channel."""
    error = classify(code, "msg")
    assert isinstance(error, PermanentDeliveryError)
    assert error.code == code


def test_an_unknown_code_with_a_server_status_is_retryable() -> None:
    """HTTP 5xx is the provider's side, whatever its code says."""
    assert isinstance(classify("Whatever", "msg", 503), RetryableDeliveryError)


@pytest.mark.parametrize(
    ("status_code", "status"),
    [
        ("200000", "completed"),
        ("200001", "completed"),
        ("200008", "completed"),
        ("200002", "busy"),
        ("200003", "no-answer"),
        ("200010", "no-answer"),
        ("200004", "failed"),
        ("999999", "failed"),
    ],
)
def test_call_results_map_to_answered_busy_no_answer_or_failed(status_code: str, status: str) -> None:
    """VoiceReport status codes become the call statuses the escalation understands."""
    assert call_result_status(status_code) == status


def test_sms_receipts_and_polls_map_to_message_statuses() -> None:
    """SmsReport success and QuerySendDetails SendStatus become delivered, undelivered or still sent."""
    assert (sms_receipt_status(True), sms_receipt_status(False)) == ("delivered", "undelivered")
    assert [sms_send_status(s) for s in (1, 2, 3, None)] == ["sent", "undelivered", "delivered", "sent"]


def test_key_one_among_the_keys_acknowledges() -> None:
    """A press of 1, even after another key, reads as 1; other keys are passed on; none is None."""
    assert (keys_pressed("1"), keys_pressed("21"), keys_pressed("2"), keys_pressed("")) == ("1", "1", "2", None)


def test_an_uplink_without_a_sequence_id_has_the_same_ref_in_every_process() -> None:
    """The reference of an uplink without Aliyun's id is a content digest: another process (another hash
    seed, a restarted replica) names a re-pushed reply alike, so it is read once."""
    program = (
        "from services.notifier.adapters.aliyun.reports import SmsUp;"
        "print(SmsUp(phone_number='13900139000', content='确认 4321', send_time='2026-12-01 10:01:00').ref)"
    )
    refs = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(refs) == 1 and refs.pop().startswith("aliyun-up-13900139000-2026-12-01 10:01:00-")
