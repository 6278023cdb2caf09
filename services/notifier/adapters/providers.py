"""Which providers exist, from the settings, and the router between them."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console

from services.notifier.adapters.aliyun.provider import AliyunProvider
from services.notifier.adapters.console import ConsoleProvider
from services.notifier.adapters.failover import BreakerPolicy, Failover
from services.notifier.adapters.router import Router
from services.notifier.adapters.twilio import TwilioProvider
from services.notifier.ports import Provider
from services.notifier.sending.webhook_urls import Webhooks
from services.notifier.settings import Settings
from services.runtime.logs import renders_json
from services.runtime.service import Clock, utc_now

__all__ = ["DOMESTIC_FAILOVER", "build_providers", "build_router", "close_providers"]

# The route name of the +86 failover when several domestic providers are configured.
DOMESTIC_FAILOVER = "domestic-failover"


def build_providers(settings: Settings, webhooks: Webhooks) -> dict[str, Provider]:
    """The console always; Twilio when an account sid is set; Aliyun when its AccessKey is set."""
    console = None if renders_json(settings.log_json) else Console(stderr=True)
    providers: dict[str, Provider] = {"console": ConsoleProvider(settings.data_dir, webhooks.url("sms"), console)}
    if settings.twilio_account_sid:
        providers["twilio"] = TwilioProvider(
            settings.twilio_account_sid,
            settings.twilio_auth_tokens[0].get_secret_value() if settings.twilio_auth_tokens else "",
            settings.twilio_from_number,
            settings.twilio_api_base_url,
        )
    if settings.aliyun.configured:
        providers["aliyun"] = AliyunProvider(settings.aliyun)
    return providers


def build_router(settings: Settings, providers: dict[str, Provider], clock: Clock = utc_now) -> Router:
    """+86 numbers to the domestic route (a failover when several are configured), the rest to the default. The
    failover's breakers and switches read `clock`: the notifier's own."""
    default, domestic = settings.default_provider, settings.domestic_route
    missing = ({default} | set(domestic)) - set(providers)
    if missing:
        raise ValueError(
            f"provider(s) {sorted(missing)} chosen but not configured "
            "(Twilio needs an account sid, Aliyun an AccessKey)"
        )
    if len(domestic) == 1:
        return Router(providers, default=default, domestic=domestic[0])
    policy = BreakerPolicy(
        failures=settings.failover_failures,
        window=timedelta(seconds=settings.failover_window_s),
        cool_down=timedelta(seconds=settings.failover_cool_down_s),
    )
    failover = Failover([providers[name] for name in domestic], policy, clock=clock)
    return Router({**providers, DOMESTIC_FAILOVER: failover}, default=default, domestic=DOMESTIC_FAILOVER)


async def close_providers(providers: dict[str, Provider]) -> None:
    for provider in providers.values():
        close = getattr(provider, "close", None)
        if close is not None:
            await close()
