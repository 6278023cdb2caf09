"""The answered part of a call: fetch TwiML, "hear" <Say>, press keys at <Gather>, follow <Redirect>.

Supported verbs: Say (text, language, voice, loop), Gather (action, method, numDigits; nested Say),
Redirect (method), Hangup/Reject. Any other verb is recorded in call.verbs and skipped.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

from testbed.fakes.twilio_models import API_VERSION, FakeCall, Said
from testbed.fakes.twilio_state import TwilioState
from testbed.fakes.twilio_webhooks import WebhookSender

MAX_DOCUMENTS = 20
HANGUP_VERBS = ("Hangup", "Reject")
DIGIT_POLL_S = 0.01


class TwimlError(Exception):
    """The call cannot go on (bad TwiML, unreachable URL); Twilio would hang up."""


@dataclass(frozen=True)
class NextRequest:
    url: str
    method: str
    params: dict[str, str]


def call_params(state: TwilioState, call: FakeCall) -> dict[str, str]:
    """Fields Twilio sends with every voice webhook of an outbound API call."""
    return {
        "AccountSid": state.account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call.sid,
        "CallStatus": call.status,
        "Called": call.to,
        "Caller": call.from_,
        "Direction": "outbound-api",
        "From": call.from_,
        "To": call.to,
    }


def resolve(document_url: str | None, target: str | None) -> str:
    """Twilio resolves relative URLs against the document URL; no target means the document itself."""
    url = urljoin(document_url or "", target) if target else document_url
    if not url or urlparse(url).scheme not in ("http", "https"):
        raise TwimlError(f"cannot resolve URL {target!r} against {document_url!r}")
    return url


def parse_twiml(twiml: str) -> ET.Element:
    try:
        root = ET.fromstring(twiml.encode())
    except ET.ParseError as error:
        raise TwimlError(f"invalid TwiML: {error}") from error
    if root.tag != "Response":
        raise TwimlError(f"TwiML root is <{root.tag}>, not <Response>")
    return root


def heard(say: ET.Element) -> Said:
    loop = say.get("loop", "1")
    return Said(
        text="".join(say.itertext()).strip(),
        language=say.get("language"),
        voice=say.get("voice"),
        loop=int(loop) if loop.isdigit() else 1,
    )


class VoiceSession:
    def __init__(self, state: TwilioState, call: FakeCall, sender: WebhookSender) -> None:
        self.state = state
        self.call = call
        self.sender = sender

    async def run(self) -> None:
        try:
            await self.follow_documents()
        except TwimlError as error:
            self.call.errors.append(str(error))

    async def follow_documents(self) -> None:
        document_url = self.call.url
        twiml = self.call.twiml
        if twiml is None:
            twiml = await self.fetch(NextRequest(resolve(None, document_url), self.call.method, {}))
        for _ in range(MAX_DOCUMENTS):
            following = await self.execute(parse_twiml(twiml), document_url)
            if following is None:
                return
            document_url = following.url
            twiml = await self.fetch(following)
        raise TwimlError(f"more than {MAX_DOCUMENTS} TwiML documents; hung up")

    async def fetch(self, request: NextRequest) -> str:
        params = call_params(self.state, self.call) | request.params
        delivery, response = await self.sender.send(request.url, params, request.method)
        self.call.twiml_requests.append(delivery)
        if response is None or not response.is_success:
            raise TwimlError(f"TwiML request to {request.url} failed: {delivery.status or delivery.error}")
        return response.text

    async def execute(self, root: ET.Element, document_url: str | None) -> NextRequest | None:
        """Runs the verbs; returns the next document to request, or None when the call hangs up."""
        for verb in root:
            self.call.verbs.append(verb.tag)
            if verb.tag == "Say":
                self.call.said.append(heard(verb))
            elif verb.tag == "Gather":
                following = await self.gather(verb, document_url)
                if following is not None:
                    return following
            elif verb.tag == "Redirect":
                target = (verb.text or "").strip()
                return NextRequest(resolve(document_url, target), verb.get("method", "POST").upper(), {})
            elif verb.tag in HANGUP_VERBS:
                return None
        return None

    async def gather(self, gather: ET.Element, document_url: str | None) -> NextRequest | None:
        """With digits, the action is requested; without, Twilio goes on with the next verb."""
        for child in gather:
            self.call.verbs.append(child.tag)
            if child.tag == "Say":
                self.call.said.append(heard(child))
        digits = await self.wait_for_digits()
        if digits is None:
            return None
        num_digits = gather.get("numDigits", "")
        if num_digits.isdigit():
            digits = digits[: int(num_digits)]
        self.call.digits_sent.append(digits)
        action = resolve(document_url, gather.get("action"))
        return NextRequest(action, gather.get("method", "POST").upper(), {"Digits": digits})

    async def wait_for_digits(self) -> str | None:
        deadline = time.monotonic() + self.state.gather_wait
        while (digits := self.state.take_digits(self.call)) is None:
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(DIGIT_POLL_S)
        return digits
