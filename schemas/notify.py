"""Notification requests and outcomes: `notify.requests` and `notify.events`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, ConfigDict, Field

from schemas.envelope import Message
from schemas.values import Channel, PhoneNumber, Recipient, ReportKind

__all__ = [
    "AttemptDelivered",
    "AttemptFailed",
    "AttemptSent",
    "DeliverReport",
    "DeliverReportV1",
    "NotificationAcknowledged",
    "PlaceCall",
    "ReplyMeaning",
    "ReplyReceived",
    "RunExhausted",
    "RunStopped",
    "RunSubject",
    "SendSms",
    "TextReceived",
]


class RunSubject(StrEnum):
    """What an escalation run is for."""

    INCIDENT = "incident"
    REPORT = "report"
    REPORT_DUE = "report_due"
    REPORT_OVERDUE = "report_overdue"
    CHECK_IN = "check_in"
    CHECK_IN_MISSED = "check_in_missed"
    BROADCAST = "broadcast"
    MESSAGE = "message"
    ROUND_MISSED = "round_missed"
    HAZARD_OVERDUE = "hazard_overdue"
    SPOT_CHECK = "spot_check"
    SPOT_CHECK_UNANSWERED = "spot_check_unanswered"
    WARNING_UNACKNOWLEDGED = "warning_unacknowledged"


class ReplyMeaning(StrEnum):
    ACK = "ack"
    CHECK_IN = "check_in"
    UNKNOWN = "unknown"


class SendSms(Message):
    """Command: send one text, with no escalation (a test message, an answer to a bad report)."""

    TYPE = "notify.send_sms"

    to: PhoneNumber
    text: str = Field(min_length=1, max_length=500, description="The text, Chinese allowed.")
    reason: str = Field(description="Why it is sent, for the record.")


class PlaceCall(Message):
    """Command: place one voice call that says `script` in Chinese, with no escalation."""

    TYPE = "notify.place_call"

    to: PhoneNumber
    script: str = Field(min_length=1, max_length=500, description="What the call says (zh-CN TTS).")
    reason: str = Field(description="Why it is placed, for the record.")


class DeliverReportV1(Message):
    """Command: deliver a report to each recipient until each acknowledges (version 1; still decoded)."""

    TYPE = "notify.deliver_report"

    incident_id: str = Field(description="The incident the report belongs to.")
    kind: ReportKind = Field(description="首报, 续报 or 终报.")
    text: str = Field(description="The report's text.")
    recipients: list[Recipient] = Field(min_length=1, description="Party committee, government, bureau.")


class DeliverReport(DeliverReportV1):
    """Command: deliver a report to each recipient until each acknowledges; a call reads `speech`."""

    VERSION = 2

    speech: str = Field(min_length=1, max_length=500, description="What a call says: the report's essentials.")


class _Outcome(Message):
    run_id: str = Field(description="The escalation run.")
    attempt_id: str = Field(description="The attempt within the run.")
    subject: RunSubject = Field(description="What the run is for.")
    subject_id: str = Field(description="The incident, shift or broadcast id; `<incident>/<kind>` for a report.")
    step: int = Field(default=0, ge=0, description="The escalation step this attempt belongs to.")
    channel: Channel
    to: PhoneNumber
    provider: str = Field(description="twilio, aliyun or console.")


class AttemptSent(_Outcome):
    """The provider accepted an SMS or call."""

    TYPE = "notify.attempt_sent"

    provider_ref: str = Field(description="The provider's id for it (message or call sid).")
    sent_at: AwareDatetime


class AttemptDelivered(_Outcome):
    """The SMS was delivered or the call answered."""

    TYPE = "notify.attempt_delivered"

    delivered_at: AwareDatetime


class AttemptFailed(_Outcome):
    """The SMS or call failed; `permanent` says whether retrying the same channel can help."""

    TYPE = "notify.attempt_failed"

    error_code: str = Field(description="The provider's code, e.g. 21211, no-answer, busy.")
    error: str = Field(description="What went wrong, readable.")
    permanent: bool = Field(description="True when the same request can never succeed.")
    failed_at: AwareDatetime


class ReplyReceived(Message):
    """An inbound SMS that answered an alert (acknowledgement, check-in) or could not be matched."""

    TYPE = "notify.reply_received"

    from_: PhoneNumber = Field(alias="from", description="The sender.")
    text: str = Field(description="What they wrote.")
    meaning: ReplyMeaning = Field(description="How it was read.")
    run_id: str | None = Field(default=None, description="The run it answered, when matched.")
    received_at: AwareDatetime

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class TextReceived(Message):
    """An inbound SMS from a known person that is not a reply: the incident service reads it as a report."""

    TYPE = "notify.text_received"

    from_: PhoneNumber = Field(alias="from", description="The sender.")
    person_id: str | None = Field(default=None, description="The sender in the roster, when known.")
    text: str = Field(description="What they wrote.")
    received_at: AwareDatetime

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class NotificationAcknowledged(Message):
    """A person acknowledged: the run (or that person's part of it) stops."""

    TYPE = "notify.acknowledged"

    run_id: str = Field(description="The escalation run.")
    subject: RunSubject = Field(description="What the run is for.")
    subject_id: str = Field(description="The incident, shift or broadcast id.")
    by: PhoneNumber = Field(description="Who acknowledged.")
    person_name: str | None = Field(default=None, description="Their name, when known.")
    channel: Channel = Field(description="SMS reply or key press.")
    acknowledged_at: AwareDatetime
    run_stopped: bool = Field(description="True when the whole run is now done.")


class RunExhausted(Message):
    """The last step of a run passed with nobody acknowledging."""

    TYPE = "notify.run_exhausted"

    run_id: str
    subject: RunSubject
    subject_id: str
    steps: int = Field(ge=0, description="How many steps were taken.")
    unacknowledged: list[PhoneNumber] = Field(description="Who never acknowledged.")
    exhausted_at: AwareDatetime


class RunStopped(Message):
    """A run was stopped before anyone acknowledged it, because what it asked for was done (a report was filed)."""

    TYPE = "notify.run_stopped"

    run_id: str = Field(description="The escalation run.")
    subject: RunSubject = Field(description="What the run was for.")
    subject_id: str = Field(description="The incident, or `<incident>/<kind>` for a report reminder.")
    steps_taken: int = Field(ge=0, description="How many steps had fired before it was stopped.")
    reason: str = Field(description="Why it stopped, e.g. `首报 filed`.")
    stopped_at: AwareDatetime
