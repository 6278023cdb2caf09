"""The `dutywatch` command."""

from __future__ import annotations

import asyncio
import signal

import typer
from rich.console import Console

from schemas import export
from services.duty_roster.adapters.cli import roster_app
from services.runtime.embedded_broker import EmbeddedBroker

app = typer.Typer(help="dutywatch: 24-hour duty, incident first reports and escalation.", no_args_is_help=True)
schemas_app = typer.Typer(help="The event contracts.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
app.add_typer(roster_app, name="roster")
console = Console()


@schemas_app.command("export")
def schemas_export(
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 naming each file that differs."),
) -> None:
    """Write one JSON Schema per message and the AsyncAPI document under schemas/generated/."""
    if not check:
        for path in export.write():
            console.print(f"wrote {path}")
        return
    problems = export.differences()
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    if problems:
        console.print("Run `dutywatch schemas export` and commit the result.")
        raise typer.Exit(1)
    console.print("schemas/generated matches the models")


@app.command()
def broker(port: int = typer.Option(9092, "--port", help="Loopback port to listen on.")) -> None:
    """Run the embedded Kafka-compatible broker (memory-only) until Ctrl-C."""
    asyncio.run(_run_broker(port))


async def _run_broker(port: int) -> None:
    embedded = EmbeddedBroker(port)
    with console.status(f"starting the embedded broker on 127.0.0.1:{port}"):
        await embedded.start()
    console.print(f"broker ready: bootstrap [bold]{embedded.bootstrap}[/bold] (memory-only; topics created)")
    await _until_signalled()
    embedded.stop()
    console.print("broker stopped")


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


SERVICES = ("duty_roster", "incident", "notifier")


@app.command()
def service(name: str = typer.Argument(..., help="duty_roster, incident or notifier.")) -> None:
    """Run one service (HTTP API, consumers, timers) until SIGTERM."""
    if name not in SERVICES:
        raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    import importlib

    import uvicorn

    from services.runtime.logs import configure_logging

    settings = importlib.import_module(f"services.{name}.settings").Settings()
    configure_logging(name, json_lines=settings.log_json)
    api = importlib.import_module(f"services.{name}.app").create_app(settings)
    uvicorn.run(api, host=settings.http_host, port=settings.http_port, log_config=None, timeout_graceful_shutdown=10)
