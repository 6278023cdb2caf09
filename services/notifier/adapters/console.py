"""The console provider, the embedded default: prints what a phone would show and keeps a JSON-lines record.

Each SMS or call is one line in `<data_dir>/console/messages.jsonl`, with the webhook URLs a simulated
phone would call back. It reports delivery at once (an SMS delivered, a call answered), so runs move on
as they would with a real provider. Before an attempt is sent again after a dispatcher stopped mid-call, that
record answers whether this console already showed it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import structlog
from rich.console import Console

from schemas.values import Channel
from services.notifier.ports import EarlierDispatch, OutboundCall, OutboundSms, SendResult

__all__ = ["ConsoleProvider"]

log = structlog.get_logger(__name__)


class ConsoleProvider:
    name = "console"

    def __init__(self, data_dir: Path, inbound_sms_url: str, console: Console | None) -> None:
        """`console`: where a person watching sees each message; None when the process logs JSON lines (a log file,
        a pod), where each message is a log line, its number masked like every other."""
        self.path = data_dir / "console" / "messages.jsonl"
        self._inbound_sms_url = inbound_sms_url
        self._console = console
        self._lock = asyncio.Lock()

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        ref = "console-" + uuid.uuid4().hex
        self._show("SMS", "cyan", sms.to, sms.text)
        await self._record(
            {
                "kind": "sms",
                "ref": ref,
                "attempt_id": sms.attempt_id,
                "to": sms.to,
                "text": sms.text,
                "reply_url": self._inbound_sms_url,
                "status_callback_url": sms.status_callback_url,
            }
        )
        return SendResult(self.name, ref, "delivered")

    def _show(self, kind: str, colour: str, to: str, text: str) -> None:
        if self._console is None:
            log.info("console provider", kind=kind.lower(), to=to, text=text)
        else:
            self._console.print(f"[bold {colour}]{kind} → {to}[/bold {colour}] {text}")

    async def sms_status(self, ref: str) -> str:
        return "delivered"

    async def place_call(self, call: OutboundCall) -> SendResult:
        ref = "console-" + uuid.uuid4().hex
        self._show("CALL", "magenta", call.to, call.script)
        await self._record(
            {
                "kind": "voice",
                "ref": ref,
                "attempt_id": call.attempt_id,
                "to": call.to,
                "script": call.script,
                "twiml_url": call.twiml_url,
                "status_callback_url": call.status_callback_url,
            }
        )
        return SendResult(self.name, ref, "delivered")

    async def find_sent(self, dispatch: EarlierDispatch) -> list[SendResult]:
        kind = "sms" if dispatch.channel == Channel.SMS else "voice"
        async with self._lock:
            ref = await asyncio.to_thread(self._recorded_ref, dispatch.attempt_id, kind)
        return [] if ref is None else [SendResult(self.name, ref, "delivered")]

    def _recorded_ref(self, attempt_id: str, kind: str) -> str | None:
        if not self.path.exists():
            return None
        with self.path.open(encoding="utf-8") as file:
            for text in file:
                if attempt_id not in text:
                    continue
                try:
                    line = json.loads(text)
                except ValueError:  # the last line, cut short by a crash while it was written
                    continue
                if line.get("attempt_id") == attempt_id and line.get("kind") == kind:
                    return str(line["ref"])
        return None

    async def _record(self, line: dict[str, str]) -> None:
        text = json.dumps(line, ensure_ascii=False) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append, text)

    def _append(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(text)
