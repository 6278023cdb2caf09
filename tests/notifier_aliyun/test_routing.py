"""Handler tier: the deployment's settings choose the route of +86 numbers (Aliyun, a failover) and the rest."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.notifier.adapters.aliyun.provider import AliyunProvider
from services.notifier.adapters.failover import Failover
from services.notifier.adapters.providers import DOMESTIC_FAILOVER, build_providers, build_router
from services.notifier.ports import OutboundSms, RetryableDeliveryError
from services.notifier.sending.webhook_urls import Webhooks
from services.notifier.settings import Settings
from services.notifier.testing import FakeProvider, ManualClock

ALIYUN_KEYS = {
    "DUTYWATCH_NOTIFIER_ALIYUN__ACCESS_KEY_ID": "LTAI-x",
    "DUTYWATCH_NOTIFIER_ALIYUN__ACCESS_KEY_SECRET": "s",
}


def settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(data_dir=tmp_path)


def test_aliyun_keys_make_it_the_route_for_mainland_numbers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With an Aliyun AccessKey and Twilio for the rest, +86 goes to Aliyun and +852 to Twilio."""
    settings = settings_from_env(monkeypatch, tmp_path, DUTYWATCH_NOTIFIER_TWILIO_ACCOUNT_SID="AC123", **ALIYUN_KEYS)
    providers = build_providers(settings, Webhooks(settings.public_url))
    router = build_router(settings, providers)
    assert isinstance(router.provider_for("+8613800138001"), AliyunProvider)
    assert router.provider_for("+85291234567").name == "twilio"


def test_domestic_providers_build_a_failover_in_that_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """DOMESTIC_PROVIDERS='["aliyun","twilio"]' routes +86 through a failover trying Aliyun, then Twilio."""
    settings = settings_from_env(
        monkeypatch,
        tmp_path,
        DUTYWATCH_NOTIFIER_PROVIDER="twilio",
        DUTYWATCH_NOTIFIER_DOMESTIC_PROVIDERS='["aliyun","twilio"]',
        DUTYWATCH_NOTIFIER_FAILOVER_FAILURES="5",
        DUTYWATCH_NOTIFIER_FAILOVER_COOL_DOWN_S="30",
    )
    providers = {
        "console": FakeProvider(name="console"),
        "aliyun": FakeProvider(name="aliyun"),
        "twilio": FakeProvider(name="twilio"),
    }
    clock = ManualClock()
    router = build_router(settings, providers, clock)
    failover = router.provider_for("+8613800138001")
    assert isinstance(failover, Failover)
    assert [p.name for p in failover.providers] == ["aliyun", "twilio"]
    assert failover.breakers["aliyun"].policy.failures == 5
    assert router.providers[DOMESTIC_FAILOVER] is failover
    assert router.provider_for("+85291234567") is providers["twilio"]
    providers["aliyun"].fail_with.append(RetryableDeliveryError("isv.BUSINESS_LIMIT_CONTROL", "busy"))
    asyncio.run(failover.send_sms(OutboundSms("attempt-1", "+8613800138001", "值班提醒", "http://127.0.0.1:9/status")))
    assert [(switch.to_provider, switch.at) for switch in failover.switches] == [("twilio", clock.now)]


def test_a_chosen_provider_without_credentials_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Naming aliyun without its AccessKey fails at start, naming what is missing."""
    settings = settings_from_env(monkeypatch, tmp_path, DUTYWATCH_NOTIFIER_DOMESTIC_PROVIDERS='["aliyun","console"]')
    with pytest.raises(ValueError, match="aliyun"):
        build_router(settings, build_providers(settings, Webhooks(settings.public_url)))


def test_without_aliyun_everything_keeps_its_old_route(tmp_path: Path) -> None:
    """No Aliyun settings: +86 follows the default provider, as before."""
    settings = Settings(data_dir=tmp_path)
    providers = {"console": FakeProvider(name="console")}
    assert build_router(settings, providers).provider_for("+8613800138001") is providers["console"]
