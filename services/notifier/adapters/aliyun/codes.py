"""Aliyun's codes, as data: which API errors are worth retrying, and what its receipts mean in our vocabulary.

The notifier speaks Twilio's status words (delivered, undelivered, completed, busy, no-answer, failed, ...;
see services/notifier/domain/status.py), so every Aliyun receipt is translated into one of them here.
"""

from __future__ import annotations

from services.notifier.ports import DeliveryError, PermanentDeliveryError, RetryableDeliveryError

__all__ = [
    "CALL_PROGRESS",
    "CALL_RESULTS",
    "DTMF_STATUS",
    "OK",
    "call_result_status",
    "classify",
    "sms_receipt_status",
    "sms_send_status",
]

OK = "OK"

# The provider's side or the account's (flow control, busy, out of credit, a key revoked): the same request
# may succeed later, or on another provider; the circuit breaker counts these.
RETRYABLE = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",
        "isv.AMOUNT_NOT_ENOUGH",
        "isv.ACCOUNT_ABNORMAL",
        "isv.ACCOUNT_NOT_EXISTS",
        "isp.SYSTEM_ERROR",
        "isp.RAM_PERMISSION_DENY",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId",
        "Throttling",
        "Throttling.User",
        "ServiceUnavailable",
        "InternalError",
        "network",
    }
)
# Everything else is ours or the number's: an illegal number, a template or sign name that does not match
# what was approved, a parameter too long. The same request never succeeds.


def classify(code: str, message: str, http_status: int | None = None) -> DeliveryError:
    """A DeliveryError for an Aliyun error code; unknown codes are permanent unless the HTTP status says busy."""
    if code in RETRYABLE or code.startswith("isp.") or (http_status is not None and http_status >= 500):
        return RetryableDeliveryError(code, message)
    return PermanentDeliveryError(code, message)


def sms_receipt_status(success: bool) -> str:
    """SmsReport's `success` as a message status."""
    return "delivered" if success else "undelivered"


# QuerySendDetails' SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered.
_SEND_STATUS = {1: "sent", 2: "undelivered", 3: "delivered"}


def sms_send_status(send_status: int | None) -> str:
    return _SEND_STATUS.get(send_status or 1, "sent")


# VoiceCallReport, while the call goes on.
CALL_PROGRESS = {"200101": "initiated", "200201": "ringing", "200102": "in-progress"}
# VoiceCallReport carries a key press with this status (its `dtmf` holds the keys).
DTMF_STATUS = "300000"
# VoiceReport, when the call has ended. Anything not listed is a failed call.
CALL_RESULTS = {
    "200000": "completed",  # heard the message to the end
    "200001": "completed",  # answered, hung up early
    "200008": "completed",  # answered, no key pressed in time
    "200100": "completed",
    "200002": "busy",
    "200003": "no-answer",
    "200005": "no-answer",  # rejected or unreachable (carrier, do-not-disturb)
    "200007": "no-answer",  # out of coverage
    "200010": "no-answer",  # switched off
}


def call_result_status(status_code: str) -> str:
    return CALL_RESULTS.get(status_code, "failed")
