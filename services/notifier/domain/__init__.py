"""The notifier's pure rules: escalation policies, reply reading, rate limits, message texts.

No I/O here; every function that needs the time takes `now`.
"""

from services.notifier.domain.policy import (
    RUN_KINDS,
    Acknowledge,
    Contact,
    Notification,
    Policy,
    PolicyBook,
    PolicyError,
    Step,
    StepChannel,
    load_policy_book,
)
from services.notifier.domain.ratelimit import RateLimit, RateRule, UnknownReplyLimit
from services.notifier.domain.replies import Reply, read_reply
from services.notifier.domain.status import CALL_FAILURES, is_newer_status, provider_status, settles_attempt
from services.notifier.domain.texts import alert_sms, help_sms, voice_twiml_script

__all__ = [
    "CALL_FAILURES",
    "RUN_KINDS",
    "Acknowledge",
    "Contact",
    "Notification",
    "Policy",
    "PolicyBook",
    "PolicyError",
    "RateLimit",
    "RateRule",
    "Reply",
    "Step",
    "StepChannel",
    "UnknownReplyLimit",
    "alert_sms",
    "help_sms",
    "is_newer_status",
    "load_policy_book",
    "provider_status",
    "read_reply",
    "settles_attempt",
    "voice_twiml_script",
]
