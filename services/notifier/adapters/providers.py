"""Which providers exist, from the settings, and the router between them."""

from __future__ import annotations

from services.notifier.adapters.console import ConsoleProvider
from services.notifier.adapters.router import Router
from services.notifier.adapters.twilio import TwilioProvider
from services.notifier.handlers.dispatch import Webhooks
from services.notifier.ports import Provider
from services.notifier.settings import Settings

__all__ = ["build_providers", "build_router", "close_providers"]


def build_providers(settings: Settings, webhooks: Webhooks) -> dict[str, Provider]:
    """The console always; Twilio when an account sid is set. (Aliyun: one more entry here.)"""
    providers: dict[str, Provider] = {"console": ConsoleProvider(settings.data_dir, webhooks.url("sms"))}
    if settings.twilio_account_sid:
        providers["twilio"] = TwilioProvider(
            settings.twilio_account_sid,
            settings.twilio_auth_tokens[0] if settings.twilio_auth_tokens else "",
            settings.twilio_from_number,
            settings.twilio_api_base_url,
        )
    return providers


def build_router(settings: Settings, providers: dict[str, Provider]) -> Router:
    default = settings.default_provider
    missing = {default, settings.domestic_provider or default} - set(providers)
    if missing:
        raise ValueError(f"provider(s) {sorted(missing)} chosen but not configured (Twilio needs an account sid)")
    return Router(providers, default=default, domestic=settings.domestic_provider or default)


async def close_providers(providers: dict[str, Provider]) -> None:
    for provider in providers.values():
        close = getattr(provider, "close", None)
        if close is not None:
            await close()
