"""`dutywatch phone`: play the officers' phones against the console provider.

The console provider writes each SMS and call to `<data_dir>/console/messages.jsonl`. This shows them by
person and answers as that person would: an SMS reply, or key 1 pressed in a call. It sends the same
signed webhooks (`X-Twilio-Signature`) a provider would, so the notifier cannot tell it from a real phone.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from twilio.request_validator import RequestValidator

__all__ = ["ConsoleMessage", "NothingToAnswer", "Phone", "play"]

SIGNATURE_HEADER = "X-Twilio-Signature"
OUR_NUMBER = "+10000000000"
ANSWER_POLL_S = 0.2
ANSWER_WAIT_S = 3.0


class NothingToAnswer(LookupError):
    """The person has received nothing of the kind asked to answer (no SMS to reply to, no call to pick up)."""


@dataclass(frozen=True)
class ConsoleMessage:
    """One line of the console provider's record: an SMS or a call to one person."""

    kind: str
    to: str
    text: str
    ref: str
    reply_url: str = ""
    twiml_url: str = ""

    @classmethod
    def from_line(cls, line: dict[str, Any]) -> ConsoleMessage:
        return cls(
            kind=line["kind"],
            to=line["to"],
            text=line.get("text") or line.get("script") or "",
            ref=line["ref"],
            reply_url=line.get("reply_url", ""),
            twiml_url=line.get("twiml_url", ""),
        )


class Phone:
    """Every person's phone at once: what each received, and a way to answer."""

    def __init__(self, messages_file: Path, token: str, client: httpx.AsyncClient | None = None) -> None:
        self._messages_file = messages_file
        self._validator = RequestValidator(token)
        self._client = client or httpx.AsyncClient(timeout=10)

    def by_person(self) -> dict[str, list[ConsoleMessage]]:
        """Messages grouped by number, oldest first, people in the order they were first reached."""
        people: dict[str, list[ConsoleMessage]] = {}
        if not self._messages_file.exists():
            return people
        for raw in self._messages_file.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                message = ConsoleMessage.from_line(json.loads(raw))
                people.setdefault(message.to, []).append(message)
        return people

    def received(self, number: str) -> list[ConsoleMessage]:
        return self.by_person().get(number, [])

    async def new_messages(self, number: str, seen: int, wait_s: float) -> list[ConsoleMessage]:
        """What reaches `number` after its first `seen` messages, waiting up to `wait_s` for the first of them."""
        waited = 0.0
        while len(received := self.received(number)) <= seen and waited < wait_s:
            await asyncio.sleep(ANSWER_POLL_S)
            waited += ANSWER_POLL_S
        return received[seen:]

    async def reply_sms(self, number: str, text: str) -> str:
        """Send `text` from `number` as an inbound SMS; return what the system answered, if anything."""
        reply_url = next((m.reply_url for m in reversed(self.received(number)) if m.reply_url), None)
        if reply_url is None:
            raise NothingToAnswer(f"{number} has received no SMS to reply to")
        fields = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": "AC" + "0" * 32,
            "From": number,
            "To": OUR_NUMBER,
            "Body": text,
            "NumMedia": "0",
        }
        return _said(await self._post(reply_url, fields))

    async def press_key(self, number: str, digits: str = "1") -> str:
        """Answer the latest call to `number`, listen, and press `digits`; return what the call said last."""
        call = next((m for m in reversed(self.received(number)) if m.kind == "voice"), None)
        if call is None:
            raise NothingToAnswer(f"{number} has had no call to answer; reply to the SMS with r N 1")
        fields = {
            "CallSid": call.ref,
            "AccountSid": "AC" + "0" * 32,
            "From": OUR_NUMBER,
            "To": number,
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
        }
        document = await self._post(call.twiml_url, fields)
        gather = ElementTree.fromstring(document).find("Gather")
        if gather is None:
            return _said(document)
        action = urljoin(call.twiml_url, gather.get("action") or call.twiml_url)
        return _said(await self._post(action, {**fields, "Digits": digits}))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, url: str, fields: dict[str, str]) -> str:
        signature = self._validator.compute_signature(url, fields)
        response = await self._client.post(url, data=fields, headers={SIGNATURE_HEADER: signature})
        response.raise_for_status()
        return response.text


def _said(twiml: str) -> str:
    """The words of a TwiML answer (<Message> or <Say>), for showing to the person."""
    if not twiml.strip():
        return ""
    root = ElementTree.fromstring(twiml)
    return " ".join((element.text or "").strip() for element in root.iter() if element.tag in ("Message", "Say"))


def play(handset: Phone, console: Console) -> None:
    """The terminal phone: show what everyone received, answer as the person typed, until `q`. One event loop
    for the whole session: the phone's HTTP client lives across the answers."""
    console.print(
        "[bold]Enter[/bold]: refresh · [bold]r N text[/bold]: reply by SMS · "
        "[bold]p N[/bold]: press 1 in N's latest call · [bold]q[/bold]: quit"
    )
    with asyncio.Runner() as runner:
        try:
            _answer_until_quit(runner, handset, console)
        finally:
            runner.run(handset.aclose())


def _answer_until_quit(runner: asyncio.Runner, handset: Phone, console: Console) -> None:
    while True:
        numbers = _show_phones(handset, console)
        command = console.input("[bold]phone>[/bold] ").strip()
        if command == "q":
            return
        if command:
            console.print(_act(runner, handset, numbers, command))


def _show_phones(handset: Phone, console: Console) -> list[str]:
    """Each person's count and latest message, numbered; the numbers in the order shown."""
    people = handset.by_person()
    table = Table("N", "number", "received", "latest")
    for n, (number, messages) in enumerate(people.items(), start=1):
        latest = messages[-1]
        icon = "📞" if latest.kind == "voice" else "✉"
        table.add_row(str(n), number, str(len(messages)), f"{icon} {escape(latest.text)}")
    console.print(table if people else "no messages yet (the console provider has sent nothing)")
    return list(people)


def _act(runner: asyncio.Runner, handset: Phone, numbers: list[str], command: str) -> str:
    verb, _, rest = command.partition(" ")
    index, _, text = rest.strip().partition(" ")
    if verb not in ("r", "p") or not index.isdigit() or not 1 <= int(index) <= len(numbers):
        return "say r N text, p N, q, or press Enter"
    try:
        return runner.run(_answer(handset, numbers[int(index) - 1], verb, text))
    except NothingToAnswer as nothing:
        return f"[yellow]{escape(str(nothing))}[/yellow]"
    except httpx.HTTPError as error:
        return f"[red]could not answer: {escape(repr(error))}[/red]"


async def _answer(handset: Phone, number: str, verb: str, text: str) -> str:
    """Reply or press 1, then show what the call said and the SMS that came back; when nothing was said, wait a few
    seconds for an SMS (the system answers an SMS reply, if at all, by SMS)."""
    seen = len(handset.received(number))
    said = await (handset.reply_sms(number, text) if verb == "r" else handset.press_key(number))
    came_back = await handset.new_messages(number, seen, 0 if said else ANSWER_WAIT_S)
    lines = [f"→ {escape(said)}"] if said else []
    lines += [f"← {escape(message.text)}" for message in came_back]
    return "\n".join(lines) or f"→ sent; nothing came back within {ANSWER_WAIT_S:g} s"
