"""Rounds as timer rows: planned ahead from the plans, due (the assignee gets the code by SMS), missed (alerts)."""

from __future__ import annotations

from datetime import datetime

from schemas.rounds import ROUND_SMS_PREFIX, RoundMissed
from services.rounds.domain import Plan, Round, RoundState, Step, occurrences
from services.rounds.handlers.common import Rules, local_time, on_duty, text
from services.rounds.ports import Ports

__all__ = ["fire_due_rounds", "plan_rounds"]

CODE_DRAWS = 50


async def plan_rounds(ports: Ports, rules: Rules, now: datetime) -> int:
    """Add each plan's rounds that are open now or fall due within the horizon; how many were new."""
    warnings = await ports.warnings.find(states=["active", "escalated"], limit=100)
    cold_waves = [warning for warning in warnings if warning.cold_wave and warning.expires > now]

    def cold(at: datetime) -> bool:
        return any(warning.cold_wave_at(at) for warning in cold_waves)

    added = 0
    for plan in rules.book.plans:
        for due in occurrences(plan, now, now + rules.horizon, rules.calendar, cold):
            added += await ports.rounds.add(_round(plan, due.due_at, due.deadline))
    return added


def _round(plan: Plan, due_at: datetime, deadline: datetime) -> Round:
    return Round(f"{plan.id}@{due_at.isoformat()}", plan.id, plan.unit_id, plan.kind, plan.title, due_at, deadline)


async def fire_due_rounds(ports: Ports, rules: Rules, now: datetime, limit: int = 200) -> int:
    """Rounds whose time came: planned ones fall due, due ones past their deadline are missed. A round of a unit the
    roster has not told us about yet (a first start) waits for it, until its deadline."""
    due = await ports.rounds.claim_due(now, limit)
    for each in due:
        if each.step is Step.FALL_DUE:
            if now < each.deadline and await ports.directory.unit(each.unit_id) is None:
                continue
            await _fall_due(each, ports, rules, now)
        elif each.step is Step.MISS:
            await _miss(each, ports, now)
        await ports.rounds.save(each)
    return len(due)


async def _fall_due(round_: Round, ports: Ports, rules: Rules, now: datetime) -> None:
    plan = rules.book.plan(round_.plan_id)
    named = plan.assignees if plan is not None else ()
    officer = (await on_duty(ports, round_.unit_id, now)).officer
    people = named or ((officer,) if officer is not None else ())
    round_.fall_due(await _free_code(ports, rules), people[0] if people else None)
    body = (
        f"【{round_.title}】请于{local_time(round_.deadline)}前完成{_what(plan)}。"
        f"完成后回复：{ROUND_SMS_PREFIX} {round_.code} 正常；发现隐患回复：{ROUND_SMS_PREFIX} {round_.code} 隐患 情况"
    )
    for person in people:
        await text(ports, round_.unit_id, person.phone, body, f"round due: {round_.id}")


def _what(plan: Plan | None) -> str:
    if plan is None:
        return ""
    items = plan.checked_items
    shown = "、".join(items[:4]) + ("等" if len(items) > 4 else "")
    vehicle = f"（{plan.vehicle}）" if plan.vehicle else ""
    return f"{vehicle}：{shown}" if shown else vehicle


async def _free_code(ports: Ports, rules: Rules) -> str:
    """A 4-digit code no round awaiting its report holds."""
    for _ in range(CODE_DRAWS):
        code = f"{rules.rng.randrange(10_000):04d}"
        if not await ports.rounds.find(code=code, states=[RoundState.DUE], limit=1):
            return code
    raise RuntimeError(f"no free round code after {CODE_DRAWS} draws: too many rounds await their reports")


async def _miss(round_: Round, ports: Ports, now: datetime) -> None:
    round_.miss()
    duty = await on_duty(ports, round_.unit_id, now)
    missed = RoundMissed(
        unit_id=round_.unit_id,
        round_id=round_.id,
        title=round_.title,
        due_at=round_.due_at,
        deadline=round_.deadline,
        assignee=round_.assignee,
        officer=duty.officer,
        leader=duty.leader,
        duty_room=duty.duty_room,
    )
    await ports.outgoing.publish(missed, round_.id)
