"""Escalation policies as data: ordered steps, targets, channels, waits and repeats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import yaml

from schemas.values import Channel
from services.notifier.domain.numbers import alternates_of, channel_for

__all__ = ["Acknowledge", "Contact", "Notification", "Policy", "PolicyBook", "Step", "StepChannel", "load_policy_book"]


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


def load_policy_book(text: str) -> PolicyBook:
    """Parse the YAML policy file; ValueError naming the place of the first problem."""
    document = yaml.safe_load(text) or {}
    default = {kind: _policy(f"default.{kind}", body) for kind, body in (document.get("default") or {}).items()}
    units = {
        unit: {kind: _policy(f"units.{unit}.{kind}", body) for kind, body in (kinds or {}).items()}
        for unit, kinds in (document.get("units") or {}).items()
    }
    return PolicyBook(default, units)


def _policy(where: str, body: dict[str, Any]) -> Policy:
    try:
        steps = tuple(_step(item) for item in body["steps"])
        if not steps:
            raise ValueError("no steps")
        repeat = int(body.get("repeat", 0))
        if repeat < 0:
            raise ValueError("repeat must not be negative")
        return Policy(
            steps=steps,
            repeat=repeat,
            acknowledge=Acknowledge(body.get("acknowledge", "any")),
            major_step_0=tuple(body.get("major_step_0", ())),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"policy {where}: {error!r}") from None


def _step(item: dict[str, Any]) -> Step:
    targets = tuple(str(target) for target in item["targets"])
    if not targets:
        raise ValueError("a step needs targets")
    wait_min = float(item.get("wait_min", 0))
    if wait_min < 0:
        raise ValueError("wait_min must not be negative")
    return Step(targets=targets, channel=StepChannel(item["channel"]), wait=timedelta(minutes=wait_min))
