"""The notifier as deployed for a mainland city: +86 numbers through Aliyun (failing over to Twilio), every
other number through Twilio; served in the test's loop against the real broker and both fakes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.notifier.adapters.failover import Failover
from services.notifier.adapters.providers import DOMESTIC_FAILOVER
from services.notifier.app import Notifier
from services.notifier.settings import Settings
from services.notifier.testing import ManualClock
from services.runtime.settings import KafkaSettings
from testbed.fakes.aliyun import FakeAliyun
from testbed.fakes.twilio import FakeTwilio
from testbed.polling import eventually
from tests.notifier.serving import LoopServer, ServedNotifier, free_socket
from tests.notifier_aliyun.fixtures import PUSH_TOKEN, aliyun_settings, approve_all

TWILIO_FROM = "+14155550100"
PUSH_PATHS = {
    "SmsReport": "sms-report",
    "SmsUp": "sms-up",
    "VoiceReport": "voice-report",
    "VoiceCallReport": "voice-call-report",
}
FAILURES_TO_OPEN = 2
COOL_DOWN_S = 1.0


@dataclass
class Service(ServedNotifier):
    failover: Failover
    twilio: FakeTwilio
    aliyun: FakeAliyun

    async def recorded(self, run_id: str, count: int, timeout_s: float = 15) -> None:
        """Wait until `count` of the run's attempts have their provider's answer recorded.

        Before the fake clock jumps minutes ahead: a send still under way would otherwise look like one whose
        dispatcher died (its lease run out) and be sent again."""

        async def answered() -> bool:
            attempts = (await self.run(run_id))["attempts"]
            return sum(1 for a in attempts if a["provider"]) >= count

        await eventually(answered, timeout_s)

    async def attempts_are(self, run_id: str, expected: list[tuple[str, str, str]], timeout_s: float = 15) -> None:
        """Wait until the run's attempts are exactly `expected`: (channel, provider, status) each."""

        async def match() -> bool:
            attempts = (await self.run(run_id))["attempts"]
            return [(a["channel"], a["provider"], a["status"]) for a in attempts] == expected

        try:
            await eventually(match, timeout_s)
        except TimeoutError:
            attempts = (await self.run(run_id))["attempts"]
            seen = [(a["channel"], a["provider"], a["status"]) for a in attempts]
            raise AssertionError(f"attempts {seen} never became {expected}") from None


def settings_for(
    bootstrap: str, twilio: FakeTwilio, aliyun: FakeAliyun, data_dir: Path, database_url: str, url: str
) -> Settings:
    """As an operator would configure it: Twilio for the rest, Aliyun then Twilio for +86."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        kafka=KafkaSettings(bootstrap_servers=bootstrap),
        provider="twilio",
        twilio_account_sid=twilio.account_sid,
        twilio_auth_tokens=[twilio.auth_token],
        twilio_from_number=TWILIO_FROM,
        twilio_api_base_url=twilio.base_url,
        public_url=url,
        sweep_every_s=0.1,
        aliyun=aliyun_settings(aliyun),
        domestic_providers=["aliyun", "twilio"],
        failover_failures=FAILURES_TO_OPEN,
        # The breaker counts failures on the notifier's clock, which the flow moves five minutes a step.
        failover_window_s=900,
        failover_cool_down_s=COOL_DOWN_S,
    )


async def start_service(
    bootstrap: str, twilio: FakeTwilio, aliyun: FakeAliyun, data_dir: Path, database_url: str
) -> Service:
    sock = free_socket()
    host, port = sock.getsockname()
    url = f"http://{host}:{port}"
    approve_all(aliyun)
    for message_type, path in PUSH_PATHS.items():
        aliyun.subscribe(message_type, f"{url}/webhooks/aliyun/{path}?token={PUSH_TOKEN}")
    clock = ManualClock()
    notifier = Notifier(settings_for(bootstrap, twilio, aliyun, data_dir, database_url, url), clock)
    failover = notifier.router.providers[DOMESTIC_FAILOVER]
    assert isinstance(failover, Failover)
    server = LoopServer(notifier.api(), sock)
    await server.start()
    return Service(
        notifier=notifier,
        server=server,
        clock=clock,
        bootstrap=bootstrap,
        failover=failover,
        twilio=twilio,
        aliyun=aliyun,
    )
