"""`dutywatch notify …`: try the configured provider from the command line."""

from __future__ import annotations

import asyncio
import uuid

import typer
from rich.console import Console

from schemas.values import parse_phone
from services.notifier.adapters.providers import build_providers, build_router, close_providers
from services.notifier.domain.texts import voice_twiml_script
from services.notifier.ports import DeliveryError, OutboundCall, OutboundSms, SendResult
from services.notifier.sending.webhook_urls import Webhooks
from services.notifier.settings import Settings

__all__ = ["notify_app"]

notify_app = typer.Typer(help="The notifier: SMS and voice providers.", no_args_is_help=True)
console = Console()
TEST_TEXT = "【dutywatch】测试短信：值班告警通道正常。"
TEST_SCRIPT = "这是值班告警系统的测试电话"


@notify_app.command("test")
def send_test(
    to: str = typer.Option(..., "--to", help="The number to send to (E.164, or a mainland number)."),
    voice: bool = typer.Option(False, "--voice", help="Place a test call instead of sending an SMS."),
) -> None:
    """Send a test SMS (or call) through the provider the settings route this number to."""
    try:
        number = parse_phone(to)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--to") from None
    try:
        result = asyncio.run(_send(Settings(), number, voice))
    except DeliveryError as error:
        console.print(f"[red]the provider refused: {error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"sent through [bold]{result.provider}[/bold]: {result.ref} ({result.status})")


async def _send(settings: Settings, number: str, voice: bool) -> SendResult:
    webhooks = Webhooks(settings.public_url)
    providers = build_providers(settings, webhooks)
    router = build_router(settings, providers)
    attempt_id = f"test-{uuid.uuid4()}"
    try:
        if voice:
            call = OutboundCall(
                attempt_id,
                number,
                voice_twiml_script(TEST_SCRIPT),
                webhooks.url("voice", attempt_id),
                webhooks.url("voice/status", attempt_id),
            )
            return await router.place_call(call)
        return await router.send_sms(OutboundSms(attempt_id, number, TEST_TEXT, webhooks.url("sms/status", attempt_id)))
    finally:
        await close_providers(providers)
