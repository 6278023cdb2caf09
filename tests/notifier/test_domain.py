"""Domain tier: policies, replies, rate limits, statuses and texts, with plain values and an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest

from schemas.values import Channel
from services.notifier.domain import (
    RUN_KINDS,
    Acknowledge,
    Contact,
    PolicyError,
    RateLimit,
    RateRule,
    Reply,
    UnknownReplyLimit,
    alert_sms,
    is_newer_status,
    load_policy_book,
    provider_status,
    read_reply,
    settles_attempt,
)
from services.notifier.domain.texts import SMS_SEGMENT, incident_texts

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
BOOK = load_policy_book(files("services.notifier").joinpath("policies/default.yaml").read_text(encoding="utf-8"))
CONTACTS = {
    "officer": Contact("王芳", "+8613800138001"),
    "leader": Contact("李强", "+8613800138002"),
    "duty_room": Contact("市局值班室", "+8613800138003"),
}


def sent(policy_kind: str, step: int, major: bool = False) -> list[tuple[str, Channel]]:
    policy = BOOK.for_run(policy_kind, "any-unit")
    return [(n.role, n.channel) for n in policy.notifications(step, CONTACTS, major=major)]


def test_incident_steps_follow_the_default_policy() -> None:
    """SMS to the officer, call the officer at +5, the leader at +10, the duty room at +20, exhausted at +30."""
    policy = BOOK.for_run("incident", "any-unit")
    assert [sent("incident", step) for step in range(4)] == [
        [("officer", Channel.SMS)],
        [("officer", Channel.VOICE)],
        [("leader", Channel.VOICE)],
        [("duty_room", Channel.VOICE)],
    ]
    moments = [NOW]
    for step in range(policy.total_steps):
        moments.append(policy.due_after(step, moments[-1]))
    assert [int((m - NOW).total_seconds() // 60) for m in moments] == [0, 5, 10, 20, 30]


def test_major_severity_adds_the_leader_at_step_zero_only() -> None:
    """Grades I and II notify the leader at once; later steps are unchanged."""
    assert sent("incident", 0, major=True) == [("officer", Channel.SMS), ("leader", Channel.SMS)]
    assert sent("incident", 1, major=True) == [("officer", Channel.VOICE)]


def test_repeats_cycle_through_the_steps() -> None:
    """A report policy with 3 repeats runs SMS, call four times over: 8 steps."""
    policy = BOOK.for_run("report", "any-unit")
    assert policy.total_steps == 8
    assert policy.acknowledge is Acknowledge.EACH
    assert [policy.step(n).channel.value for n in range(8)] == ["sms", "voice"] * 4
    assert policy.is_last(7) and not policy.is_last(6)


def test_both_channels_and_missing_roles() -> None:
    """`both` sends an SMS and a call; a role nobody fills is skipped; one number is never sent twice a step."""
    book = load_policy_book(
        "default:\n  x:\n    steps:\n"
        "      - {targets: [officer, leader, officer, person:ghost], channel: both, wait_min: 1}\n"
    )
    assert [(n.role, n.channel.value) for n in book.for_run("x", "u").notifications(0, CONTACTS, major=False)] == [
        ("officer", "sms"),
        ("officer", "voice"),
        ("leader", "sms"),
        ("leader", "voice"),
    ]


def test_unit_override_replaces_the_default() -> None:
    """A unit's own policy wins over the default for that unit only."""
    book = load_policy_book(
        "default:\n  incident:\n    steps: [{targets: [officer], channel: sms, wait_min: 5}]\n"
        "units:\n  home-1:\n    incident:\n      steps: [{targets: [leader], channel: voice, wait_min: 2}]\n"
    )
    assert book.for_run("incident", "home-1").steps[0].targets == ("leader",)
    assert book.for_run("incident", "home-2").steps[0].targets == ("officer",)


def test_bad_policy_names_its_place() -> None:
    """A malformed policy is refused with its line and the policy's path in the message."""
    with pytest.raises(ValueError, match=r"line 3: policy default\.incident\.steps\.0: 'fax' is not a valid"):
        load_policy_book("default:\n  incident:\n    steps: [{targets: [officer], channel: fax}]\n")


SHIPPED = files("services.notifier").joinpath("policies/default.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("- incident\n", "line 1: a policy file maps `default`"),
        ("default: [incident]\n", "line 1: a policy file maps `default`"),
        ("default:\n  incident: 5\n", "line 2: policy default.incident:"),
        ("default:\n  incident:\n    steps: [officer]\n", "line 3: policy default.incident.steps.0:"),
        ("default:\n  incident:\n    steps: []\n", "line 2: policy default.incident: no steps"),
    ],
)
def test_a_policy_file_of_the_wrong_shape_is_refused_with_its_line(text: str, named: str) -> None:
    """Lists where maps belong, a number for a policy, a step that is no map: a PolicyError with the line."""
    with pytest.raises(PolicyError, match=named):
        load_policy_book(text)


def test_a_policy_file_lacking_a_run_kind_is_refused_naming_it() -> None:
    """Without `report` the notifier could not alert report recipients: refused, naming the kind and the line."""
    lacking = SHIPPED.replace("  report:\n", "  reprt:\n")
    with pytest.raises(ValueError, match=r"line \d+: default lacks a policy for report \(each run kind"):
        load_policy_book(lacking, required=RUN_KINDS)
    assert load_policy_book(SHIPPED, required=RUN_KINDS).default.keys() == set(RUN_KINDS)


def test_an_unknown_target_or_run_kind_is_refused_with_its_line() -> None:
    """A target nobody could resolve (a typo) and a kind no run has are refused with the line they are on."""
    typo = SHIPPED.replace("{targets: [leader], channel: voice, wait_min: 10}", "{targets: [leder], channel: voice}")
    line = typo.splitlines().index("      - {targets: [leder], channel: voice}") + 1
    with pytest.raises(ValueError, match=rf"line {line}: policy default\.incident\.steps\.2: unknown target 'leder'"):
        load_policy_book(typo, required=RUN_KINDS)
    extra = SHIPPED.replace(
        "units: {}", "units:\n  home-1:\n    incidnet:\n      steps: [{targets: [officer], channel: sms}]"
    )
    line = extra.splitlines().index("    incidnet:") + 1
    with pytest.raises(ValueError, match=rf"line {line}: no run kind is called 'incidnet'"):
        load_policy_book(extra, required=RUN_KINDS)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("1", Reply(latest=True)),
        (" 确认 ", Reply(latest=True)),
        ("收到。", Reply(latest=True)),
        ("１", Reply(latest=True)),
        ("4821", Reply(code="4821")),
        ("确认 4821", Reply(code="4821")),
        ("城南福利院起火", None),
        ("12", None),
    ],
)
def test_replies_are_read(text: str, reply: Reply | None) -> None:
    """`1`, `确认`, `收到` acknowledge the latest alert; a 4-digit code a given one; anything else is no reply."""
    assert read_reply(text) == reply


def test_rate_limit_never_delays_the_first_message_of_a_run() -> None:
    """However many messages a person just got, a run's first one goes at once."""
    limit = RateLimit()
    burst = [NOW - timedelta(seconds=s) for s in (5, 10, 20)]
    assert limit.next_allowed(burst, NOW, first_of_run=True) == NOW


def test_rate_limit_one_a_minute_and_bursts_capped() -> None:
    """Later messages wait for one a minute, and for three in fifteen minutes."""
    limit = RateLimit((RateRule(1, timedelta(minutes=1)), RateRule(3, timedelta(minutes=15))))
    assert limit.next_allowed([NOW - timedelta(seconds=20)], NOW, first_of_run=False) == NOW + timedelta(seconds=40)
    three = [NOW - timedelta(minutes=m) for m in (2, 5, 8)]
    assert limit.next_allowed(three, NOW, first_of_run=False) == NOW + timedelta(minutes=7)
    assert limit.next_allowed([NOW - timedelta(minutes=2)], NOW, first_of_run=False) == NOW


def test_unknown_replies_are_answered_five_times_in_ten_minutes() -> None:
    """The sixth unknown reply within ten minutes gets no answer; an old one no longer counts."""
    limit = UnknownReplyLimit()
    five = [NOW - timedelta(minutes=m) for m in range(5)]
    assert limit.should_answer(five[:4], NOW)
    assert not limit.should_answer(five, NOW)
    assert limit.should_answer([*five[:4], NOW - timedelta(minutes=11)], NOW)


def test_out_of_order_statuses_are_ignored() -> None:
    """A `sent` after `delivered`, or a call callback with a lower sequence number, does not count."""
    delivered = 400
    assert not is_newer_status(delivered, "sent")
    assert is_newer_status(200, "delivered")
    assert not is_newer_status(302, "ringing", 1)
    assert provider_status("no-answer") == "failed"
    assert provider_status("in-progress") == "delivered"


def test_only_statuses_that_end_an_attempt_settle_it() -> None:
    """Progress on the way is answered and dropped; delivery, an answered call and failures are kept."""
    assert [status for status in ("queued", "sending", "sent", "initiated", "ringing") if settles_attempt(status)] == []
    assert all(settles_attempt(status) for status in ("delivered", "undelivered", "failed", "in-progress", "completed",
                                                     "busy", "no-answer", "canceled"))  # fmt: skip


def test_alert_sms_fits_one_segment() -> None:
    """A long location is shortened so that the SMS with its reply code stays one 70-character segment."""
    summary, voice = incident_texts("城南区民政局", "一氧化碳中毒", "特别重大", "很长的地点" * 20, "摘要", NOW)
    text = alert_sms(summary, "4821")
    assert len(text) <= SMS_SEGMENT
    assert text.endswith("回复1或4821确认")
    assert "一氧化碳中毒" in voice and "很长的地点" in voice
