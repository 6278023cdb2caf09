"""The topic registry: every topic, its partitions and retention, the messages it carries, its DLQ."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.broadcast import BroadcastAcknowledged, BroadcastSent
from schemas.duty import (
    CheckInMissed,
    CheckInMissedV1,
    CheckInReceived,
    CheckInReceivedV1,
    CheckInRequested,
    CheckInRequestedV1,
    ShiftEnded,
    ShiftEndedV1,
    ShiftStarted,
    ShiftStartedV1,
    UnitUpdated,
)
from schemas.envelope import Message
from schemas.incident import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentClosed,
    IncidentEscalated,
    IncidentReported,
    ReportDelivered,
    ReportDueSoon,
    ReportFiled,
    ReportFiledV1,
    ReportIncident,
    ReportIncidentV1,
    ReportOverdue,
)
from schemas.notify import (
    AttemptDelivered,
    AttemptFailed,
    AttemptSent,
    DeliverReport,
    DeliverReportV1,
    NotificationAcknowledged,
    PlaceCall,
    ReplyReceived,
    RunExhausted,
    RunStopped,
    SendSms,
    TextReceived,
)
from schemas.rounds import (
    HazardOverdue,
    ReceiveWarning,
    RecordLeave,
    RecordReturn,
    ReportRound,
    RoundMissed,
    SpotCheckRequested,
    SpotCheckUnanswered,
    WarningUnacknowledged,
)

__all__ = ["ACCESS", "DLQ_SUFFIX", "TOPICS", "Access", "Topic", "all_topic_names", "topic_for", "topic_named"]

DLQ_SUFFIX = ".dlq"
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    """A Kafka topic. Every message on it is keyed by its payload's `unit_id`."""

    name: str
    partitions: int
    description: str
    messages: tuple[type[Message], ...] = ()
    retention_ms: int = 30 * DAY_MS
    key: str = "unit_id"

    @property
    def dlq(self) -> Topic:
        return Topic(
            name=self.name + DLQ_SUFFIX,
            partitions=1,
            description=f"Messages from {self.name} that failed validation or their handler.",
            retention_ms=90 * DAY_MS,
        )


TOPICS: tuple[Topic, ...] = (
    Topic("incident.intake", 3, "Incident reports from other systems.", (ReportIncidentV1, ReportIncident)),
    Topic(
        "incident.events",
        3,
        "An incident's lifecycle and reports.",
        (
            IncidentReported,
            IncidentAssigned,
            IncidentAcknowledged,
            ReportFiledV1,
            ReportFiled,
            ReportDelivered,
            ReportDueSoon,
            ReportOverdue,
            IncidentEscalated,
            IncidentClosed,
        ),
    ),
    Topic(
        "notify.requests",
        3,
        "What the notifier is asked to deliver.",
        (SendSms, PlaceCall, DeliverReportV1, DeliverReport, BroadcastSent),
    ),
    Topic(
        "notify.events",
        3,
        "Delivery outcomes, replies and acknowledgements.",
        (
            AttemptSent,
            AttemptDelivered,
            AttemptFailed,
            ReplyReceived,
            TextReceived,
            NotificationAcknowledged,
            RunExhausted,
            RunStopped,
            BroadcastAcknowledged,
        ),
    ),
    Topic("duty.units", 3, "The unit directory.", (UnitUpdated,), retention_ms=-1),
    Topic(
        "duty.shifts",
        3,
        "Shift handovers: who is officer and leader.",
        (ShiftStarted, ShiftEnded, ShiftStartedV1, ShiftEndedV1),
    ),
    Topic(
        "duty.alerts",
        3,
        "Check-ins requested and missed; rounds missed, hazards overdue, spot checks, warnings not acknowledged.",
        (
            CheckInRequested,
            CheckInMissed,
            CheckInRequestedV1,
            CheckInMissedV1,
            RoundMissed,
            HazardOverdue,
            SpotCheckRequested,
            SpotCheckUnanswered,
            WarningUnacknowledged,
        ),
    ),
    Topic("duty.checkins", 3, "Check-in replies.", (CheckInReceived, CheckInReceivedV1)),
    Topic(
        "rounds.intake",
        3,
        "Round results, residents' leave and CAP weather warnings from other systems.",
        (ReportRound, RecordLeave, RecordReturn, ReceiveWarning),
    ),
)


def all_topic_names() -> list[str]:
    """Every topic of the registry, each followed by its dead-letter topic."""
    return [name for topic in TOPICS for name in (topic.name, topic.dlq.name)]


def topic_named(name: str) -> Topic:
    for topic in TOPICS:
        if name in (topic.name, topic.dlq.name):
            return topic if name == topic.name else topic.dlq
    raise KeyError(f"no topic {name!r} in the registry")


def topic_for(message: type[Message] | Message) -> Topic:
    """The one topic a message type travels on."""
    cls = message if isinstance(message, type) else type(message)
    for topic in TOPICS:
        if cls in topic.messages:
            return topic
    raise KeyError(f"{cls.__name__} is on no topic of the registry")


@dataclass(frozen=True)
class Access:
    """What one service does on Kafka: the topics it writes, those it reads (and so writes the DLQs of), and its
    consumer group. The KafkaUsers' ACLs in deploy/k8s are exactly this (tests/deploy/test_kafka_users.py)."""

    writes: tuple[str, ...]
    reads: tuple[str, ...]
    group: str

    @property
    def written(self) -> tuple[str, ...]:
        """Every topic the service produces to: its own, and the dead-letter topics of what it reads."""
        return (*self.writes, *(topic_named(name).dlq.name for name in self.reads))


ACCESS: dict[str, Access] = {
    "duty_roster": Access(
        writes=("duty.units", "duty.shifts", "duty.alerts", "notify.requests"),
        reads=("duty.checkins",),
        group="duty_roster",
    ),
    "incident": Access(
        writes=("incident.events", "notify.requests"),
        reads=("incident.intake", "notify.events", "duty.units", "duty.shifts", "duty.alerts"),
        group="incident",
    ),
    "notifier": Access(
        writes=("notify.events", "notify.requests", "duty.checkins"),
        reads=("notify.requests", "incident.events", "duty.alerts", "duty.shifts", "duty.units"),
        group="notifier",
    ),
    "rounds": Access(
        writes=("duty.alerts", "incident.intake", "notify.requests"),
        reads=("rounds.intake", "notify.events", "duty.units", "duty.shifts"),
        group="rounds",
    ),
    "board": Access(
        writes=(),
        reads=(
            "duty.units",
            "duty.shifts",
            "duty.alerts",
            "duty.checkins",
            "incident.events",
            "notify.requests",
            "notify.events",
        ),
        group="board",
    ),
}
