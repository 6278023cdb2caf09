"""Tests of the fake Twilio server itself, driven by the real twilio SDK."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from testbed.fakes.asgi_server import AsgiServer
from testbed.fakes.twilio import FakeTwilio

OFFICER = "+8613800138000"
SENDER = "+15005550006"
CHINESE_ALERT = "值班提醒：城东街道发生内涝，请按1确认接警"


@dataclass
class Received:
    method: str
    path: str
    form: dict[str, str]
    query: dict[str, str]
    signature_valid: bool


class Receiver:
    """A webhook endpoint: checks X-Twilio-Signature, records the request, answers with canned TwiML."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.received: list[Received] = []
        self.replies: dict[str, str] = {}

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET", "POST"])])

    async def handle(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = self.validator.validate(str(request.url), form, signature)
        query = dict(request.query_params)
        self.received.append(Received(request.method, request.url.path, form, query, valid))
        if not valid:
            return Response("forged", status_code=403)
        return Response(self.replies.get(request.url.path, "<Response/>"), media_type="application/xml")

    def at(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(step_delay=0.01, gather_wait=0.1) as server:
        yield server
        assert server.errors == []


@pytest.fixture
def client(fake: FakeTwilio) -> Client:
    return fake.client()


def serve_receiver(auth_token: str) -> tuple[Receiver, AsgiServer]:
    receiver = Receiver(auth_token)
    return receiver, AsgiServer(receiver.app())


@pytest.fixture
def receiver(fake: FakeTwilio) -> Iterator[tuple[Receiver, AsgiServer]]:
    receiver, server = serve_receiver(fake.auth_token)
    with server:
        yield receiver, server


def alert_twiml() -> str:
    response = VoiceResponse()
    gather = Gather(action="/voice/ack", method="POST", num_digits=1)
    gather.say(CHINESE_ALERT, language="zh-CN", loop=2)
    response.append(gather)
    response.redirect("/voice/no-input")
    return str(response)


def install_alert_flow(receiver: Receiver) -> None:
    receiver.replies["/voice"] = alert_twiml()
    receiver.replies["/voice/ack"] = '<Response><Say language="zh-CN">已确认</Say><Hangup/></Response>'
    receiver.replies["/voice/no-input"] = '<Response><Say language="zh-CN">未收到按键</Say></Response>'


def place_alert_call(client: Client, server: AsgiServer, **extra: object) -> str:
    call = client.calls.create(to=OFFICER, from_=SENDER, url=server.url("/voice"), **extra)
    assert call.sid is not None
    return call.sid


# --- REST API through the SDK ---------------------------------------------------------------------


def test_sync_sdk_sends_sms_and_fetches_it_by_sid(fake: FakeTwilio, client: Client) -> None:
    """The sync SDK creates an SMS (queued, 34-char SM sid) and later fetches it as delivered."""
    message = client.messages.create(to=OFFICER, from_=SENDER, body=CHINESE_ALERT)
    assert message.sid is not None and message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.to, message.from_, message.body) == ("queued", OFFICER, SENDER, CHINESE_ALERT)
    assert message.account_sid == fake.account_sid and message.date_created is not None
    fake.wait_idle_sync()
    assert client.messages(message.sid).fetch().status == "delivered"
    assert fake.messages[message.sid].status_history == ["queued", "sent", "delivered"]


async def test_async_sdk_sends_sms_and_places_call(fake: FakeTwilio) -> None:
    """The async SDK (AsyncTwilioHttpClient) creates an SMS and a call against the fake."""
    client = fake.async_client()
    try:
        message = await client.messages.create_async(to=OFFICER, from_=SENDER, body="async 提醒")
        call = await client.calls.create_async(to=OFFICER, from_=SENDER, twiml="<Response><Say>hi</Say></Response>")
        fetched = await client.messages(message.sid).fetch_async()
    finally:
        await client.http_client.close()
    await fake.wait_idle()
    assert fetched.body == "async 提醒" and call.sid is not None and call.sid.startswith("CA")
    assert fake.calls[call.sid].status == "completed"


def test_sdk_lists_messages_to_a_number_newest_first_across_pages(fake: FakeTwilio, client: Client) -> None:
    """Lists filtered by To and From come newest first, and the SDK follows the next pages."""
    bodies = [f"提醒 {n}" for n in range(5)]
    for body in bodies:
        client.messages.create(to=OFFICER, from_=SENDER, body=body)
    client.messages.create(to="+14155550199", from_=SENDER, body="someone else")
    fake.wait_idle_sync()
    listed = client.messages.list(to=OFFICER, from_=SENDER, page_size=2)
    assert [message.body for message in listed] == bodies[::-1]
    assert all(message.date_created is not None for message in listed)
    assert [message.body for message in client.messages.list(to="+14155550199")] == ["someone else"]


def test_invalid_number_raises_21211(fake: FakeTwilio, client: Client) -> None:
    """A non-E.164 To, or one marked invalid, is refused with HTTP 400 and code 21211."""
    fake.mark_invalid("+8613900000000")
    for bad in ("13800138000", "+8613900000000"):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=bad, from_=SENDER, body="x")
        assert (raised.value.status, raised.value.code) == (400, 21211)
        assert f"The 'To' number {bad} is not a valid phone number." in raised.value.msg
    assert fake.messages == {}


def test_unsubscribed_number_raises_21610(fake: FakeTwilio, client: Client) -> None:
    """An SMS to a number that replied STOP is refused with code 21610 and nothing is sent."""
    fake.mark_unsubscribed(OFFICER)
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=OFFICER, from_=SENDER, body="x")
    assert (raised.value.status, raised.value.code) == (400, 21610)
    assert fake.messages_to(OFFICER) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": OFFICER, "from_": SENDER}, 21602),
        ({"to": OFFICER, "body": "x"}, 21603),
        ({"to": OFFICER, "from_": "DutyWatch", "body": "x"}, 21606),
    ],
)
def test_missing_or_bad_message_fields_give_twilio_codes(client: Client, fields: dict[str, str], code: int) -> None:
    """Missing Body is 21602, missing From is 21603, a non-E.164 From is 21606."""
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(**fields)
    assert raised.value.code == code


def test_fail_next_500_then_429_then_success(fake: FakeTwilio, client: Client) -> None:
    """Injected failures hit only matching paths, in order, then requests succeed again."""
    fake.fail_next(1, status=500, path_contains="Messages")
    fake.fail_next(1, status=429, path_contains="Messages")
    for status, code in ((500, 20500), (429, 20429)):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=OFFICER, from_=SENDER, body="retry me")
        assert (raised.value.status, raised.value.code) == (status, code)
    assert client.messages.create(to=OFFICER, from_=SENDER, body="retry me").status == "queued"
    assert [request.status for request in fake.requests] == [500, 429, 201]
    assert len(fake.messages) == 1


def test_fail_next_leaves_other_paths_alone(fake: FakeTwilio, client: Client) -> None:
    """A failure aimed at Messages does not fail a Calls request, and stays armed."""
    fake.fail_next(1, status=500, path_contains="Messages")
    client.calls.create(to=OFFICER, from_=SENDER, twiml="<Response/>")
    with pytest.raises(TwilioRestException):
        client.messages.create(to=OFFICER, from_=SENDER, body="x")


def test_wrong_basic_auth_gives_401_20003(fake: FakeTwilio) -> None:
    """A wrong auth token is refused with HTTP 401 and code 20003, and is still logged as a request."""
    client = Client(fake.account_sid, "wrong-token")
    client.api.base_url = fake.base_url
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=OFFICER, from_=SENDER, body="x")
    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert [request.status for request in fake.requests] == [401]
    assert fake.messages == {}


def test_requests_log_method_path_form_and_time(fake: FakeTwilio, client: Client) -> None:
    """Every API request is logged with method, path, form fields and a monotonic timestamp."""
    before = time.monotonic()
    client.messages.create(to=OFFICER, from_=SENDER, body="计数", status_callback="http://127.0.0.1:9/cb")
    [request] = fake.requests
    assert request.method == "POST" and request.path.endswith(f"/Accounts/{fake.account_sid}/Messages.json")
    assert request.form == {"To": OFFICER, "From": SENDER, "Body": "计数", "StatusCallback": "http://127.0.0.1:9/cb"}
    assert before <= request.time <= time.monotonic()


def test_unknown_sid_gives_404_20404(client: Client) -> None:
    """Fetching a sid the fake never issued is a 404 with code 20404."""
    with pytest.raises(TwilioRestException) as raised:
        client.calls("CA" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


# --- SMS status callbacks -------------------------------------------------------------------------


def test_sms_status_callbacks_arrive_in_order_and_are_signed(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """Status callbacks go sent, delivered (none for the initial queued), each with a valid X-Twilio-Signature."""
    hook, server = receiver
    message = client.messages.create(to=OFFICER, from_=SENDER, body="x", status_callback=server.url("/sms-status"))
    fake.wait_idle_sync()
    received = hook.at("/sms-status")
    assert [item.form["MessageStatus"] for item in received] == ["sent", "delivered"]
    assert all(item.signature_valid for item in received)
    first = received[0].form
    assert (first["MessageSid"], first["SmsStatus"], first["To"], first["From"]) == (
        message.sid,
        "sent",
        OFFICER,
        SENDER,
    )
    assert first["AccountSid"] == fake.account_sid and "ErrorCode" not in first


def test_sms_status_callbacks_fail_validation_with_another_token(fake: FakeTwilio, client: Client) -> None:
    """A receiver holding a different auth token finds every callback signature invalid."""
    hook, server = serve_receiver("another-accounts-token")
    with server:
        client.messages.create(to=OFFICER, from_=SENDER, body="x", status_callback=server.url("/sms-status"))
        fake.wait_idle_sync()
    assert len(hook.received) == 2 and not any(item.signature_valid for item in hook.received)
    assert [delivery.status for delivery in fake.callbacks] == [403, 403]


@pytest.mark.parametrize(
    ("outcome", "statuses", "error_code"),
    [("undelivered", ["sent", "undelivered"], "30003"), ("failed", ["failed"], "30008")],
)
def test_sms_outcome_ends_in_failure_with_error_code(
    fake: FakeTwilio,
    client: Client,
    receiver: tuple[Receiver, AsgiServer],
    outcome: str,
    statuses: list[str],
    error_code: str,
) -> None:
    """set_sms_outcome makes the last callback carry that status and an ErrorCode."""
    hook, server = receiver
    fake.set_sms_outcome(OFFICER, outcome)
    message = client.messages.create(to=OFFICER, from_=SENDER, body="x", status_callback=server.url("/s"))
    fake.wait_idle_sync()
    assert [item.form["MessageStatus"] for item in hook.received] == statuses
    assert hook.received[-1].form["ErrorCode"] == error_code
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == (outcome, int(error_code))


# --- calls ----------------------------------------------------------------------------------------


def test_call_says_chinese_and_posts_digits_to_gather_action(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """A scheduled key press is POSTed as Digits to the Gather action, resolved against the Url."""
    hook, server = receiver
    install_alert_flow(hook)
    fake.set_call_outcome(OFFICER, "completed", digits="1")
    sid = place_alert_call(client, server)
    fake.wait_idle_sync()
    call = fake.calls[sid]
    [fetch] = hook.at("/voice")
    assert (fetch.form["CallSid"], fetch.form["CallStatus"], fetch.form["To"]) == (sid, "in-progress", OFFICER)
    assert fetch.form["From"] == SENDER and fetch.signature_valid
    assert (call.said[0].text, call.said[0].language, call.said[0].loop) == (CHINESE_ALERT, "zh-CN", 2)
    [ack] = hook.at("/voice/ack")
    assert ack.form["Digits"] == "1" and ack.signature_valid
    assert call.digits_sent == ["1"] and [said.text for said in call.said] == [CHINESE_ALERT, "已确认"]
    assert hook.at("/voice/no-input") == [] and call.errors == []


def test_call_status_callbacks_end_completed_with_increasing_sequence(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """With all events asked for, callbacks go initiated→ringing→in-progress→completed, numbered 0..3."""
    hook, server = receiver
    install_alert_flow(hook)
    events = ["initiated", "ringing", "answered", "completed"]
    sid = place_alert_call(client, server, status_callback=server.url("/call-status"), status_callback_event=events)
    fake.wait_idle_sync()
    received = hook.at("/call-status")
    assert [item.form["CallStatus"] for item in received] == ["initiated", "ringing", "in-progress", "completed"]
    assert [int(item.form["SequenceNumber"]) for item in received] == [0, 1, 2, 3]
    assert all(item.signature_valid and item.form["CallSid"] == sid for item in received)
    assert received[-1].form["Direction"] == "outbound-api" and int(received[-1].form["CallDuration"]) >= 1
    assert fake.calls[sid].status_history == ["queued", "initiated", "ringing", "in-progress", "completed"]
    assert client.calls(sid).fetch().status == "completed"


def test_call_without_events_gets_only_the_completed_callback(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """Like Twilio, no StatusCallbackEvent means a single callback at the end of the call."""
    hook, server = receiver
    place_alert_call(client, server, status_callback=server.url("/call-status"))
    fake.wait_idle_sync()
    assert [item.form["CallStatus"] for item in hook.at("/call-status")] == ["completed"]


def test_call_without_digits_follows_the_redirect_after_gather(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """With no key pressed, the call goes on after the Gather: the Redirect is fetched."""
    hook, server = receiver
    install_alert_flow(hook)
    sid = place_alert_call(client, server)
    fake.wait_idle_sync()
    assert hook.at("/voice/ack") == [] and len(hook.at("/voice/no-input")) == 1
    assert fake.calls[sid].said[-1].text == "未收到按键" and fake.calls[sid].digits_sent == []


def test_press_key_during_the_call_reaches_the_gather(client: Client, receiver: tuple[Receiver, AsgiServer]) -> None:
    """press_key() called while the Gather is waiting is delivered to that Gather."""
    hook, server = receiver
    install_alert_flow(hook)
    with FakeTwilio(step_delay=0.01, gather_wait=5.0) as patient:
        caller = patient.client()
        sid = place_alert_call(caller, server)
        patient.wait_for(lambda: "Gather" in patient.calls[sid].verbs)
        patient.press_key(OFFICER, "1")
        patient.wait_idle_sync()
        assert patient.calls[sid].digits_sent == ["1"] and len(hook.at("/voice/ack")) == 1


def test_twiml_fetched_with_get_is_signed_over_the_query(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """With Method=GET the call fields travel in the query string, and the signature covers that URL."""
    hook, server = receiver
    hook.replies["/voice"] = "<Response><Say>ok</Say></Response>"
    sid = place_alert_call(client, server, method="GET")
    fake.wait_idle_sync()
    [fetch] = hook.at("/voice")
    assert (fetch.method, fetch.form, fetch.signature_valid) == ("GET", {}, True)
    assert (fetch.query["CallSid"], fetch.query["To"]) == (sid, OFFICER)
    assert [said.text for said in fake.calls[sid].said] == ["ok"]


def test_no_answer_fetches_no_twiml_and_reports_no_answer(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, AsgiServer]
) -> None:
    """A no-answer call never requests its Url and its completed-event callback says no-answer."""
    hook, server = receiver
    install_alert_flow(hook)
    fake.set_call_outcome(OFFICER, "no-answer")
    sid = place_alert_call(client, server, status_callback=server.url("/call-status"))
    fake.wait_idle_sync()
    assert hook.at("/voice") == [] and fake.calls[sid].said == []
    [final] = hook.at("/call-status")
    assert (final.form["CallStatus"], final.signature_valid) == ("no-answer", True)
    assert fake.calls[sid].status_history == ["queued", "initiated", "ringing", "no-answer"]


def test_inline_twiml_is_played_without_any_fetch(fake: FakeTwilio, client: Client) -> None:
    """The Twiml parameter is parsed directly; Say attributes are recorded."""
    twiml = '<Response><Say language="zh-CN" voice="Polly.Zhiyu" loop="3">请回电</Say></Response>'
    sid = client.calls.create(to=OFFICER, from_=SENDER, twiml=twiml).sid
    fake.wait_idle_sync()
    [said] = fake.calls[sid].said
    assert (said.text, said.language, said.voice, said.loop) == ("请回电", "zh-CN", "Polly.Zhiyu", 3)
    assert fake.calls[sid].twiml_requests == [] and fake.calls[sid].status == "completed"


# --- a person on the other end --------------------------------------------------------------------


def test_inbound_sms_is_signed_and_returns_the_reply(fake: FakeTwilio, receiver: tuple[Receiver, AsgiServer]) -> None:
    """send_inbound_sms posts Twilio's inbound fields, validly signed, and hands back the TwiML reply."""
    hook, server = receiver
    hook.replies["/sms-in"] = str(MessagingResponse().message("已收到"))
    response = fake.send_inbound_sms(server.url("/sms-in"), from_=OFFICER, to=SENDER, body="1")
    assert response.status_code == 200 and "已收到" in response.text
    [inbound] = hook.received
    assert inbound.signature_valid and inbound.form["Body"] == "1" and inbound.form["NumMedia"] == "0"
    assert (inbound.form["From"], inbound.form["To"]) == (OFFICER, SENDER)
    assert inbound.form["MessageSid"].startswith("SM") and inbound.form["AccountSid"] == fake.account_sid


async def test_forged_inbound_sms_is_rejected(fake: FakeTwilio, receiver: tuple[Receiver, AsgiServer]) -> None:
    """An inbound SMS signed with the wrong token fails the receiver's RequestValidator check."""
    hook, server = receiver
    response = await fake.send_inbound_sms_async(server.url("/sms-in"), OFFICER, SENDER, "1", auth_token="forger")
    assert response.status_code == 403 and not hook.received[0].signature_valid


def test_asgi_server_serves_any_app_and_stops() -> None:
    """AsgiServer serves an ASGI app on a free port and refuses connections after stop()."""
    app = Starlette(routes=[Route("/ping", lambda _request: Response("pong"))])
    with AsgiServer(app) as server:
        assert httpx.get(server.url("/ping"), trust_env=False).text == "pong"
        url = server.url("/ping")
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, trust_env=False)
