"""Escalation policies as data: ordered steps, targets, channels, waits and repeats."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any  # a YAML document as PyYAML loads it: any nesting of dicts, lists and scalars

import yaml

from schemas.values import Channel, RecipientRole
from services.notifier.domain.numbers import alternates_of, channel_for
from services.runtime.yaml_lines import LineMap, line_of, load_with_lines

__all__ = [
    "RUN_KINDS",
    "Acknowledge",
    "Contact",
    "Notification",
    "Policy",
    "PolicyBook",
    "PolicyError",
    "Step",
    "StepChannel",
    "load_policy_book",
]

# What the notifier starts runs of (handlers/starts.py, handlers/answers.py): each needs a policy.
RUN_KINDS = (
    "incident",
    "check_in",
    "check_in_missed",
    "report_due",
    "report_overdue",
    "report",
    "broadcast",
    "message_sms",
    "message_voice",
    "round_missed",
    "hazard_overdue",
    "spot_check",
    "spot_check_unanswered",
    "warning_unacknowledged",
)
SECTIONS = ("default", "units")
PERSON = "person:"
TARGETS = frozenset({"officer", "leader", "duty_room", "recipient", *(role.value for role in RecipientRole)})


class PolicyError(ValueError):
    """A policy file that cannot be used, with the line of the problem."""


class StepChannel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    BOTH = "both"

    @property
    def channels(self) -> tuple[Channel, ...]:
        return (Channel.SMS, Channel.VOICE) if self is StepChannel.BOTH else (Channel(self.value),)


class Acknowledge(StrEnum):
    """`any`: one acknowledgement stops the run; `each`: every recipient until it acknowledges; `none`."""

    ANY = "any"
    EACH = "each"
    NONE = "none"


@dataclass(frozen=True)
class Contact:
    """Somebody a target role resolved to."""

    name: str
    phone: str
    person_id: str | None = None


@dataclass(frozen=True)
class Notification:
    """One message a step sends: who (by role), to which contact, on which channel."""

    role: str
    contact: Contact
    channel: Channel


@dataclass(frozen=True)
class Step:
    targets: tuple[str, ...]
    channel: StepChannel
    wait: timedelta


@dataclass(frozen=True)
class Policy:
    """A run's plan. Step numbers count through the repeats: step `i` is `steps[i % len(steps)]`."""

    steps: tuple[Step, ...]
    repeat: int = 0
    acknowledge: Acknowledge = Acknowledge.ANY
    major_step_0: tuple[str, ...] = ()

    @property
    def total_steps(self) -> int:
        return len(self.steps) * (self.repeat + 1)

    def step(self, number: int) -> Step:
        return self.steps[number % len(self.steps)]

    def notifications(self, number: int, contacts: dict[str, Contact], *, major: bool) -> list[Notification]:
        """What step `number` sends, deduplicated by number and channel; roles nobody fills are skipped. A role
        with several numbers reaches the next of them at each step; a landline is called, never texted."""
        step = self.step(number)
        roles = step.targets + (self.major_step_0 if major and number == 0 else ())
        sent: set[tuple[str, Channel]] = set()
        result: list[Notification] = []
        for role in roles:
            contact = _this_steps(role, contacts, number)
            for channel in step.channel.channels:
                channel = channel_for(contact.phone, channel) if contact is not None else channel
                if contact is None or (contact.phone, channel) in sent:
                    continue
                sent.add((contact.phone, channel))
                result.append(Notification(role, contact, channel))
        return result

    def due_after(self, number: int, fired_at: datetime) -> datetime:
        """When the step after `number` (or, after the last, exhaustion) falls due."""
        return fired_at + self.step(number).wait

    def is_last(self, number: int) -> bool:
        return number >= self.total_steps - 1


def _this_steps(role: str, contacts: dict[str, Contact], number: int) -> Contact | None:
    keys = alternates_of(role, list(contacts))
    return contacts[keys[number % len(keys)]] if keys else None


@dataclass(frozen=True)
class PolicyBook:
    """The default policy per run kind and the per-unit overrides."""

    default: dict[str, Policy]
    units: dict[str, dict[str, Policy]] = field(default_factory=dict)

    def for_run(self, kind: str, unit_id: str) -> Policy:
        override = self.units.get(unit_id, {}).get(kind)
        if override is not None:
            return override
        try:
            return self.default[kind]
        except KeyError:
            raise KeyError(f"no escalation policy for {kind!r}") from None


def load_policy_book(text: str, required: Collection[str] = ()) -> PolicyBook:
    """Parse the YAML policy file; ValueError naming the line of the first problem. With `required` (the run
    kinds the notifier starts), the file must give each a default policy and may name no other kind."""
    try:
        document = load_with_lines(text) or LineMap()
    except yaml.YAMLError as error:
        raise PolicyError(f"not YAML: {error}") from None
    if not isinstance(document, LineMap) or not all(isinstance(document.get(key) or {}, dict) for key in SECTIONS):
        raise PolicyError("line 1: a policy file maps `default` (run kind → policy) and `units` (unit → kinds)")
    default = {kind: _policy(document, ("default", kind)) for kind in document.get("default") or {}}
    units = {
        unit: {kind: _policy(document, ("units", unit, kind)) for kind in kinds or {}}
        for unit, kinds in (document.get("units") or {}).items()
    }
    if required:
        _check_kinds(document, default, units, required)
    return PolicyBook(default, units)


def _check_kinds(
    document: Any, default: dict[str, Policy], units: dict[str, dict[str, Policy]], required: Collection[str]
) -> None:
    missing = [kind for kind in required if kind not in default]
    if missing:
        where = line_of(document, ("default",))
        raise PolicyError(f"line {where}: default lacks a policy for {', '.join(missing)} (each run kind needs one)")
    for path in [("default", kind) for kind in default] + [
        ("units", u, k) for u, kinds in units.items() for k in kinds
    ]:
        if path[-1] not in required:
            known = ", ".join(required)
            raise PolicyError(f"line {line_of(document, path)}: no run kind is called {path[-1]!r} (known: {known})")


def _policy(document: Any, path: tuple[str, ...]) -> Policy:
    try:
        body = _at(document, path)
        steps = tuple(_step(document, (*path, "steps", number)) for number in range(len(body["steps"])))
        if not steps:
            raise ValueError("no steps")
        repeat = int(body.get("repeat", 0))
        if repeat < 0:
            raise ValueError("repeat must not be negative")
        return Policy(
            steps=steps,
            repeat=repeat,
            acknowledge=Acknowledge(body.get("acknowledge", "any")),
            major_step_0=_targets(body.get("major_step_0", ()), may_be_empty=True),
        )
    except PolicyError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise _refused(document, path, error) from None


def _step(document: Any, path: tuple[Any, ...]) -> Step:
    try:
        item = _at(document, path)
        wait_min = float(item.get("wait_min", 0))
        if wait_min < 0:
            raise ValueError("wait_min must not be negative")
        return Step(_targets(item["targets"]), StepChannel(item["channel"]), timedelta(minutes=wait_min))
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise _refused(document, path, error) from None


def _refused(document: Any, path: tuple[Any, ...], error: Exception) -> PolicyError:
    reason = f"{error.args[0]!r} is missing" if isinstance(error, KeyError) else str(error)
    return PolicyError(f"line {line_of(document, path)}: policy {'.'.join(map(str, path))}: {reason}")


def _targets(listed: Any, *, may_be_empty: bool = False) -> tuple[str, ...]:
    targets = tuple(str(target) for target in listed)
    if not targets and not may_be_empty:
        raise ValueError("a step needs targets")
    for target in targets:
        if target not in TARGETS and not (target.startswith(PERSON) and len(target) > len(PERSON)):
            raise ValueError(f"unknown target {target!r} (known: {', '.join(sorted(TARGETS))}, person:<id>)")
    return targets


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document
