"""Leader sign-off (签发): a unit's 首报 waits for its duty leader where the unit requires it, and goes out on
the leader's `签发 NNNN` (SMS) or HTTP, or, when the leader is too late, unsigned before the deadline."""

from __future__ import annotations

import secrets
from datetime import datetime

from schemas.notify import PlaceCall, SendSms
from schemas.report_form import ReportForm
from schemas.values import ReportKind
from services.incident.domain import (
    Deadline,
    DeadlineKind,
    Draft,
    Incident,
    Report,
    ReportRefused,
    Source,
    TimelineEntry,
    TimelineKind,
    check_report,
    check_text,
)
from services.incident.domain.report_form import essentials, full_text
from services.incident.handlers.common import Rules, load_for_change, write
from services.incident.handlers.reports import on_file_report
from services.incident.ports import Ports
from services.local_time import LOCAL_TZ

__all__ = ["on_sign_off", "send_unsigned", "submit_report"]

SIGNED, UNSIGNED = "signed", "unsigned"


async def submit_report(
    incident_id: str,
    kind: ReportKind,
    text: str,
    filed_by: str,
    source: Source,
    ports: Ports,
    rules: Rules,
    now: datetime,
    form: ReportForm | None = None,
) -> Report | Draft:
    """File the report; a 首报 of a unit that requires 签发 is drafted for the duty leader instead."""
    incident = await load_for_change(ports, incident_id)
    if not rules.sign_off.holds_back(incident.unit_id, kind, form):
        return await on_file_report(incident_id, kind, text, filed_by, source, ports, now, form, rules)
    check_report(incident, kind)
    if await ports.drafts.pending_of(incident.id) is not None:
        raise ReportRefused("a 首报 already waits for the leader's 签发; sign it off or wait for the deadline")
    text = full_text(form) if form is not None else text
    check_text({"text": text, "filed_by": filed_by})
    draft = Draft(
        f"d-{secrets.token_hex(6)}", incident.id, incident.unit_id, f"{secrets.randbelow(10000):04d}", text, form,
        filed_by, source, now, incident.leader,
    )  # fmt: skip
    await _hold(draft, incident, ports, rules, now)
    return draft


async def _hold(draft: Draft, incident: Incident, ports: Ports, rules: Rules, now: datetime) -> None:
    """Keep the draft, set the time it goes out anyway, ask the leader, and say so on the timeline."""
    await ports.drafts.add(draft)
    send_at = rules.sign_off.send_anyway_at(incident.first_report_due_at, now)
    await ports.deadlines.add([Deadline(incident.id, DeadlineKind.SIGN_OFF, send_at, ReportKind.FIRST)])
    await _ask_leader(draft, incident, send_at, ports)
    leader = draft.leader.name if draft.leader else "nobody (no leader on duty)"
    until = send_at.isoformat()
    detail = f"首报 drafted by {draft.filed_by}, waiting for 签发 by {leader} (code {draft.code}) until {until}"
    entry = TimelineEntry(now, TimelineKind.REPORT_DRAFTED, detail, draft.filed_by, draft.source.value)
    await write(ports, incident, now, entry)


async def _ask_leader(draft: Draft, incident: Incident, send_at: datetime, ports: Ports) -> None:
    if draft.leader is None:
        return
    gist = essentials(draft.form) if draft.form is not None else draft.text
    by = f"{send_at.astimezone(LOCAL_TZ):%H:%M}"
    what = f"{incident.type.label} {incident.location}"
    text = f"【待签发】{what}首报：{gist[:60]}。请回复“签发 {draft.code}”，{by}前未签发将径直报出。"
    await ports.outgoing.publish(
        SendSms(unit_id=draft.unit_id, to=draft.leader.phone, text=text[:500], reason="sign-off"), incident.id
    )


async def on_sign_off(draft: Draft, signer: str, ports: Ports, rules: Rules, now: datetime) -> Report:
    """The leader signed: the 首报 goes to the recipients with the leader named as 签发领导."""
    check_text({"by": signer})
    # The incident before the draft, as the deadline that sends it unsigned takes them. That sweep holds the deadline
    # rows `on_file_report` settles, but it never waits for an incident held here: it skips it (fire_due_deadlines).
    await load_for_change(ports, draft.incident_id)
    await ports.drafts.settle(draft.id, SIGNED)
    form = draft.form.model_copy(update={"signed_by": signer[:100]}) if draft.form is not None else None
    text = draft.text if form is not None else f"{draft.text}\n签发领导：{signer}"
    return await on_file_report(
        draft.incident_id, ReportKind.FIRST, text, draft.filed_by, draft.source, ports, now, form, rules
    )


async def send_unsigned(incident: Incident, ports: Ports, rules: Rules, now: datetime) -> Report | None:
    """The leader did not sign in time: the draft goes out marked 未经签发 and the leader is called."""
    draft = await ports.drafts.pending_of(incident.id)
    if draft is None:
        return None
    await ports.drafts.settle(draft.id, UNSIGNED)
    report = await on_file_report(
        incident.id,
        ReportKind.FIRST,
        draft.text,
        draft.filed_by,
        draft.source,
        ports,
        now,
        draft.form,
        rules,
        unsigned=True,
    )
    if draft.leader is not None:
        script = f"{incident.type.label}事件的首报未经您签发，已于{now.astimezone(LOCAL_TZ):%H点%M分}报出，请尽快审核"
        await ports.outgoing.publish(
            PlaceCall(unit_id=incident.unit_id, to=draft.leader.phone, script=script, reason="sent unsigned"),
            incident.id,
        )
    return report
