"""The fake Twilio REST API (ASGI): Messages and Calls under /2010-04-01/Accounts/{AccountSid}/.

Error codes follow Twilio's; where Twilio's exact choice is undocumented the nearest documented code is
used:
  Messages: 20003 bad auth (401); 21604 no To; 21603 no From/MessagingServiceSid; 21602 no Body;
            21617 Body over 1600 chars; 21211 To not E.164 or mark_invalid(); 21606 From not E.164;
            21610 mark_unsubscribed().
  Calls:    21201 no To; 21213 no From; 21205 none of Url/Twiml/ApplicationSid; 21211 To not E.164 or
            mark_invalid(); 21212 From not E.164.
  Lists:    Messages filtered by To and From, newest first, paged by PageSize and Page.
  Any:      20404 unknown resource; fail_next(): 20429 for 429, 20500 for 500, 20000+status otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testbed.fakes.twilio_flows import run_call_flow, run_message_flow
from testbed.fakes.twilio_models import (
    API_VERSION,
    ApiRequest,
    FakeCall,
    FakeMessage,
    TwilioError,
    call_json,
    list_page,
    message_json,
    new_sid,
)
from testbed.fakes.twilio_state import TwilioState
from testbed.fakes.twilio_webhooks import WebhookSender, webhook_client

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
MAX_BODY_CHARS = 1600
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
INJECTED_FAILURES = {429: (20429, "Too Many Requests"), 500: (20500, "Internal Server Error")}


@dataclass(frozen=True)
class RouteCall:
    """What a resource handler gets: the path, the sid in it (if any), the form fields and the query."""

    path: str
    sid: str
    form: dict[str, str]
    items: list[tuple[str, str]]
    query: dict[str, str]


Handler = Callable[[RouteCall], Awaitable[Response]]


def error_response(error: TwilioError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else None
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def injected_failure(status: int) -> TwilioError:
    code, message = INJECTED_FAILURES.get(status, (20000 + status, "Injected failure"))
    return TwilioError(code, message, status)


def not_found(path: str) -> TwilioError:
    return TwilioError(20404, f"The requested resource {path} was not found", 404)


def basic_auth(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None
    return user, password


def validate_message(state: TwilioState, form: dict[str, str]) -> None:
    to, sender = form.get("To", ""), form.get("From", "")
    if not to:
        raise TwilioError(21604, "A 'To' phone number is required.")
    if not sender and not form.get("MessagingServiceSid"):
        raise TwilioError(21603, "A 'From' phone number is required.")
    if not form.get("Body") and not form.get("MediaUrl"):
        raise TwilioError(21602, "Message body is required.")
    if len(form.get("Body", "")) > MAX_BODY_CHARS:
        raise TwilioError(21617, "The concatenated message body exceeds the 1600 character limit.")
    if not E164.match(to) or to in state.invalid_numbers:
        raise TwilioError(21211, f"The 'To' number {to} is not a valid phone number.")
    if sender and not E164.match(sender):
        raise TwilioError(
            21606,
            f"The From phone number {sender} is not a valid, SMS-capable inbound phone number "
            "or short code for your account.",
        )
    if to in state.unsubscribed_numbers:
        raise TwilioError(21610, "Attempt to send to unsubscribed recipient")


def validate_call(state: TwilioState, form: dict[str, str]) -> None:
    to, sender = form.get("To", ""), form.get("From", "")
    if not to:
        raise TwilioError(21201, "No 'To' number is specified")
    if not sender:
        raise TwilioError(21213, "No 'From' number is specified")
    if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
        raise TwilioError(21205, "Url parameter is required.")
    if not E164.match(to) or to in state.invalid_numbers:
        raise TwilioError(21211, f"Invalid 'To' Phone Number: {to}")
    if not E164.match(sender):
        raise TwilioError(21212, f"Invalid 'From' Phone Number: {sender}")


def newest_first_matching(records: list[Any], query: dict[str, str]) -> list[Any]:
    """Messages or calls as Twilio lists them: newest first, only those with the To and From asked for."""
    wanted = {"to": query.get("To"), "from_": query.get("From")}
    return [
        record
        for record in reversed(records)
        if all(value is None or getattr(record, name) == value for name, value in wanted.items())
    ]


def callback_events(items: list[tuple[str, str]]) -> list[str]:
    """StatusCallbackEvent may repeat (the SDK) or be space-separated (curl examples)."""
    events = [event for key, value in items if key == "StatusCallbackEvent" for event in value.split()]
    # Twilio sends only the final status when no events are asked for.
    return [event for event in events if event in CALL_EVENTS] or ["completed"]


class TwilioApi:
    def __init__(self, state: TwilioState) -> None:
        self.state = state
        self.background: set[asyncio.Task[None]] = set()
        self._sender: WebhookSender | None = None
        account = r"/2010-04-01/Accounts/(?P<account>[^/]+)"
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("POST", re.compile(account + r"/Messages\.json$"), self.create_message),
            ("GET", re.compile(account + r"/Messages\.json$"), self.list_messages),
            ("GET", re.compile(account + r"/Messages/(?P<sid>[^/]+)\.json$"), self.fetch_message),
            ("POST", re.compile(account + r"/Calls\.json$"), self.create_call),
            ("GET", re.compile(account + r"/Calls/(?P<sid>[^/]+)\.json$"), self.fetch_call),
        ]

    def asgi_app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=methods)], lifespan=self.lifespan)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        yield
        if self._sender is not None:
            await self._sender.client.close()

    @property
    def sender(self) -> WebhookSender:
        """One webhook client for every flow (made in the server's loop), as Twilio keeps its connections."""
        if self._sender is None:
            self._sender = WebhookSender(self.state, webhook_client())
        return self._sender

    async def handle(self, request: Request) -> Response:
        items = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        record = ApiRequest(request.method, request.url.path, dict(items), items, dict(request.query_params))
        self.state.record_request(record)
        try:
            response = await self.dispatch(request, items)
        except TwilioError as error:
            response = error_response(error)
        record.status = response.status_code
        return response

    async def dispatch(self, request: Request, items: list[tuple[str, str]]) -> Response:
        path = request.url.path
        self.check_auth(request, path)
        failure = self.state.take_failure(request.method, path)
        if failure is not None:
            raise injected_failure(failure)
        for method, pattern, handler in self.routes:
            match = pattern.match(path)
            if method == request.method and match:
                sid, query = match.groupdict().get("sid", ""), dict(request.query_params)
                return await handler(RouteCall(path, sid, dict(items), items, query))
        raise not_found(path)

    def check_auth(self, request: Request, path: str) -> None:
        expected = (self.state.account_sid, self.state.auth_token)
        path_account_ok = path.startswith(f"/{API_VERSION}/Accounts/{self.state.account_sid}/")
        if basic_auth(request) != expected or not path_account_ok:
            raise TwilioError(20003, "Authenticate", 401)

    def start_flow(self, flow: Coroutine[Any, Any, None]) -> None:
        # Counted before the response goes out, so wait_idle() right after create() sees the work.
        self.state.flow_started()
        task = asyncio.get_running_loop().create_task(self._run_flow(flow))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _run_flow(self, flow: Coroutine[Any, Any, None]) -> None:
        try:
            await flow
        except Exception as error:
            # A bug in the fake must show up in fake.errors, not vanish with the task.
            self.state.flow_finished(error)
        else:
            self.state.flow_finished()

    async def create_message(self, route: RouteCall) -> Response:
        form = route.form
        validate_message(self.state, form)
        message = FakeMessage(
            sid=new_sid("SM"),
            account_sid=self.state.account_sid,
            to=form["To"],
            from_=form.get("From") or None,
            body=form.get("Body", ""),
            messaging_service_sid=form.get("MessagingServiceSid") or None,
            status_callback=form.get("StatusCallback") or None,
        )
        self.state.add_message(message)
        self.start_flow(run_message_flow(self.state, message, self.sender))
        return JSONResponse(message_json(message), status_code=201)

    async def fetch_message(self, route: RouteCall) -> Response:
        message = self.state.messages.get(route.sid)
        if message is None:
            raise not_found(route.path)
        return JSONResponse(message_json(message))

    async def list_messages(self, route: RouteCall) -> Response:
        messages = newest_first_matching(list(self.state.messages.values()), route.query)
        return JSONResponse(list_page("messages", route.path, route.query, [message_json(m) for m in messages]))

    async def create_call(self, route: RouteCall) -> Response:
        form = route.form
        validate_call(self.state, form)
        call = FakeCall(
            sid=new_sid("CA"),
            account_sid=self.state.account_sid,
            to=form["To"],
            from_=form["From"],
            url=form.get("Url") or None,
            method=(form.get("Method") or "POST").upper(),
            twiml=form.get("Twiml") or None,
            status_callback=form.get("StatusCallback") or None,
            status_callback_method=(form.get("StatusCallbackMethod") or "POST").upper(),
            status_callback_events=callback_events(route.items),
        )
        self.state.add_call(call)
        self.start_flow(run_call_flow(self.state, call, self.sender))
        return JSONResponse(call_json(call), status_code=201)

    async def fetch_call(self, route: RouteCall) -> Response:
        call = self.state.calls.get(route.sid)
        if call is None:
            raise not_found(route.path)
        return JSONResponse(call_json(call))
