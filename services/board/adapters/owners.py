"""The owning services' HTTP APIs, called with the viewer's own bearer token (`ports.Owners`)."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

import httpx

from schemas.values import Person
from services.board.domain import AccountLine, NextDuty
from services.board.ports import Owners, Refused, Unreachable

__all__ = ["HttpIncidentService", "HttpNotifierService", "HttpRosterService", "http_owners"]

TIMEOUT_S = 10.0
NEXT_DUTY_KEPT_S = 60.0


class _Api:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    async def call(self, method: str, path: str, token: str, **options: Any) -> Any:
        """The answer's JSON; `Refused` with the service's own reason on 4xx, `Unreachable` otherwise."""
        try:
            response = await self._client.request(
                method, self._base + path, headers={"Authorization": f"Bearer {token}"}, **options
            )
        except httpx.HTTPError as error:
            raise Unreachable(f"{self._base} did not answer: {error!r}") from error
        if 400 <= response.status_code < 500:
            raise _refusal(response)
        if response.status_code >= 500:
            raise Unreachable(f"{self._base}{path} answered {response.status_code}")
        return response.json() if response.content else None


def _refusal(response: httpx.Response) -> Refused:
    """FastAPI's 422 names the field (`loc`); other answers carry a sentence in `detail`."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        return Refused(f"{response.status_code}: {response.text[:200]}")
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        field = str(first.get("loc", ["", ""])[-1])
        return Refused(f"{field}: {first.get('msg', '')}", field=field)
    return Refused(str(detail))


class HttpIncidentService(_Api):
    async def incident(self, token: str, incident_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("GET", f"/incidents/{incident_id}", token)
        return found

    async def file_report(self, token: str, incident_id: str, kind: str, text: str, filed_by: str) -> None:
        body = {"kind": kind, "text": text, "filed_by": filed_by}
        await self.call("POST", f"/incidents/{incident_id}/reports", token, json=body)

    async def accountability(self, token: str, start: date, end: date) -> list[AccountLine]:
        params = {"from": start.isoformat(), "to": end.isoformat()}
        lines = await self.call("GET", "/accountability", token, params=params)
        fields = AccountLine.__dataclass_fields__
        return [AccountLine(**{key: value for key, value in line.items() if key in fields}) for line in lines]

    async def handovers(self, token: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.call("GET", "/handovers", token)
        return found

    async def sign_handover(self, token: str, handover_id: str, role: str, by: str) -> None:
        await self.call("POST", f"/handovers/{handover_id}/sign", token, json={"role": role, "by": by})


class HttpNotifierService(_Api):
    async def broadcast(self, token: str, title: str, text: str, sent_by: str, unit_ids: list[str] | None) -> str:
        body = {"title": title, "text": text, "sent_by": sent_by, "target_unit_ids": unit_ids}
        answer = await self.call("POST", "/broadcasts", token, json=body)
        return str(answer["broadcast_id"])


class HttpRosterService(_Api):
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        super().__init__(client, base_url)
        # Every open 值班 page asks for every unit's next shift at each refresh; the answer for one instant
        # changes only with an override, so it is kept a minute.
        self._next: dict[tuple[str, str, datetime], tuple[float, NextDuty | None]] = {}

    async def next_duty(self, token: str, unit_id: str, at: datetime) -> NextDuty | None:
        key, now = (token, unit_id, at), time.monotonic()
        kept = self._next.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        found = await self._ask_next(token, unit_id, at)
        self._next = {key: value for key, value in self._next.items() if value[0] > now}
        self._next[key] = (now + NEXT_DUTY_KEPT_S, found)
        return found

    async def _ask_next(self, token: str, unit_id: str, at: datetime) -> NextDuty | None:
        try:
            found = await self.call("GET", f"/units/{unit_id}/on-duty", token, params={"at": at.isoformat()})
        except (Refused, Unreachable):
            return None
        return NextDuty(datetime.fromisoformat(found["starts_at"]), _person(found["officer"]), _person(found["leader"]))

    async def month_plan(self, token: str, unit_id: str, month: str) -> dict[str, Any]:
        plan: dict[str, Any] = await self.call("GET", f"/units/{unit_id}/plan", token, params={"month": month})
        return plan

    async def duty_log(self, token: str, unit_id: str, day: date) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = await self.call(
            "GET", f"/units/{unit_id}/duty-log", token, params={"day": day.isoformat()}
        )
        return entries

    async def write_log(self, token: str, unit_id: str, kind: str, text: str, author: str) -> None:
        body = {"kind": kind, "text": text, "author": author}
        await self.call("POST", f"/units/{unit_id}/duty-log", token, json=body)


def _person(document: dict[str, Any] | None) -> Person | None:
    return None if document is None else Person.model_validate(document)


def http_owners(client: httpx.AsyncClient, incident_url: str, notifier_url: str, roster_url: str) -> Owners:
    return Owners(
        incident=HttpIncidentService(client, incident_url),
        notifier=HttpNotifierService(client, notifier_url),
        roster=HttpRosterService(client, roster_url),
    )
