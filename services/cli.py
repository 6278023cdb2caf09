"""The `dutywatch` command."""

from __future__ import annotations

import asyncio
import gc
import importlib
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url

from schemas import export
from services import SERVICE_NAMES
from services.duty_roster.adapters.cli import roster_app
from services.incident.adapters.cli import incident_app
from services.notifier.adapters.cli import notify_app
from services.rounds.adapters.cli import rounds_app
from services.runtime.auth import ADMIN_TOKEN_FILE
from services.runtime.embedded_broker import EmbeddedBroker
from services.runtime.errors import ConfigurationError
from services.runtime.migrations import Migrations
from services.runtime.secrets import weak_secrets
from services.runtime.settings import ServiceSettings
from services.runtime.store import Store

if TYPE_CHECKING:
    from services.stack import Stack

app = typer.Typer(help="dutywatch: 24-hour duty, incident first reports and escalation.", no_args_is_help=True)
schemas_app = typer.Typer(help="The event contracts.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
app.add_typer(notify_app, name="notify")
app.add_typer(incident_app, name="incident")
app.add_typer(roster_app, name="roster")
db_app = typer.Typer(help="Each service's database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(rounds_app, name="rounds")
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
        console.print(f"[red]{problem}[/red]", soft_wrap=True)
    if problems:
        console.print("Run `dutywatch schemas export` and commit the result.")
        raise typer.Exit(1)
    console.print("schemas/generated matches the models")


@db_app.command("upgrade")
def db_upgrade(
    name: str = typer.Argument("", help="duty_roster, incident, notifier, rounds or board; default: all of them."),
) -> None:
    """Bring each service's database (the one its settings name) to the newest revision, as a start does."""
    for service_name in [_known_service(name)] if name else SERVICE_NAMES:
        url = asyncio.run(_upgrade_database(service_name))
        console.print(f"{service_name}: {url} is at the newest revision", soft_wrap=True)


@db_app.command("revision")
def db_revision(
    name: str = typer.Argument(..., help="duty_roster, incident, notifier, rounds or board."),
    message: str = typer.Option(..., "-m", "--message", help="What the revision changes, in a few words."),
) -> None:
    """Write the service's next revision: what its tables have that its revisions do not build yet."""
    path = _migrations_of(_known_service(name)).revision(message)
    console.print(f"wrote {path}; read it before committing it")


def _known_service(name: str) -> str:
    if name not in SERVICE_NAMES:
        raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICE_NAMES)}")
    return name


def _migrations_of(name: str) -> Migrations:
    migrations: Migrations = importlib.import_module(f"services.{name}.migrations").MIGRATIONS
    return migrations


async def _upgrade_database(name: str) -> str:
    migrations = _migrations_of(name)
    url = importlib.import_module(f"services.{name}.settings").Settings().store_url(name)
    store = Store(url, migrations.models(), upgrade=migrations.upgrade)
    try:
        await store.create_tables()
    finally:
        await store.close()
    return make_url(url).render_as_string(hide_password=True)


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


@app.command()
def settings() -> None:
    """Every setting of every service: its environment variable, default and meaning (Markdown)."""
    from services.settings_doc import markdown_table

    console.print(markdown_table(), markup=False, highlight=False, soft_wrap=True)


@app.command()
def up(
    data_dir: Path = typer.Option(Path("var"), help="Where the services keep their SQLite files and logs."),
    roster: Path = typer.Option(Path("examples/roster.yaml"), help="The roster to import before starting."),
    broker_port: int = typer.Option(9092, help="The embedded broker's port (another is used if it is taken)."),
) -> None:
    """Run the whole system on this machine: embedded broker, sample roster and rounds plans, the four services.
    Ctrl-C stops it."""
    from services.stack import Stack

    stack = Stack.on_default_ports(data_dir, roster, broker_port, console)
    asyncio.run(_run_stack(stack))


async def _run_stack(stack: Stack) -> None:
    watch: asyncio.Task[None] | None = None
    try:
        await stack.start()
        _print_try_this(stack)
        watch = asyncio.create_task(stack.watch_broker())
        await _until_signalled()
    finally:
        if watch is not None:
            watch.cancel()
        # A second Ctrl-C must not cut the services' relays short: they stop at their pace, the broker after.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with console.status("stopping: the services relay their outboxes, then the broker stops"):
            stack.stop()
        console.print("stopped; the data stays in " + str(stack.data_dir))


def _print_try_this(stack: Stack) -> None:
    token_file = stack.data_dir / ADMIN_TOKEN_FILE
    token = token_file.read_text().strip() if token_file.exists() else "<token>"
    console.print(
        f"""
[bold]dutywatch is running.[/bold]  API token: [bold]{token}[/bold]  (from {token_file})

Try this: report a fire at the welfare home
  curl -s -X POST http://127.0.0.1:8102/incidents -H 'Authorization: Bearer {token}' \\
    -H 'Content-Type: application/json' -d '{{"unit_id": "fuli-home", "type": "fire", "severity": "III",
    "occurred_at": "'$(date -u +%Y-%m-%dT%H:%M:%SZ)'", "location": "福利院3号楼", "summary": "厨房起火，已疏散",
    "reporter": "张三"}}'

Then answer as the officer on duty:  .venv/bin/dutywatch phone   (in another terminal)
A notice to every officer on duty:  curl -s -X POST http://127.0.0.1:8103/broadcasts \\
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\
    -d '{{"title": "寒潮预警", "text": "今夜降温，请加强巡查", "sent_by": "市局值班室"}}'
Who is on duty:                     .venv/bin/dutywatch roster who --unit fuli-home
The duty-room board:                {stack.url("board")}  (log in with the API token above)
Rounds awaiting their report:       .venv/bin/dutywatch rounds due   (answer by SMS: 巡 <code> 正常)
The API documents:                  http://127.0.0.1:8101/docs  http://127.0.0.1:8102/docs  http://127.0.0.1:8103/docs  http://127.0.0.1:8104/docs
Ctrl-C stops everything; the data in {stack.data_dir} is kept for the next run."""
    )


def _freeze_startup_heap() -> None:
    # What importing and wiring left on the heap (some 170,000 objects) lives as long as the process. The
    # collector's oldest generation went over all of it every few seconds under load, stopping the event
    # loop some 120 ms each time; frozen, it is left out of every collection.
    gc.collect()
    gc.freeze()


@app.command()
def service(name: str = typer.Argument(..., help="duty_roster, incident, notifier, rounds or board.")) -> None:
    """Run one service (HTTP API, consumers, timers) until SIGTERM."""
    _known_service(name)
    import uvicorn

    from services.runtime.logs import configure_logging

    try:
        settings = importlib.import_module(f"services.{name}.settings").Settings()
    except ValidationError as error:
        typer.echo(f"refusing to start: {error}", err=True)
        raise typer.Exit(2) from None
    _refuse_weak_secrets(settings)
    configure_logging(name, json_lines=settings.log_json)
    try:
        api = importlib.import_module(f"services.{name}.app").create_app(settings)
    except ConfigurationError as error:
        typer.echo(f"refusing to start: {error}", err=True)
        raise typer.Exit(2) from None
    _freeze_startup_heap()
    # No access log: a line per provider webhook says nothing the metrics do not, and uvicorn formats each
    # line's path even when the level drops it.
    uvicorn.run(
        api,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def _refuse_weak_secrets(settings: ServiceSettings) -> None:
    """A production start with an empty, short or placeholder secret stops here, naming each setting."""
    problems = [] if settings.embedded else weak_secrets(settings, settings.required_secrets())
    for problem in problems:
        typer.echo(f"refusing to start: {problem}", err=True)
    if problems:
        raise typer.Exit(2)


@app.command()
def phone(
    data_dir: Path = typer.Option(Path("var"), help="The data folder of `dutywatch up`."),
    token: str = typer.Option("", help="Webhook auth token; default: the one `dutywatch up` generated."),
) -> None:
    """Play the officers' phones: see each person's SMS and calls, reply by SMS or press 1 in a call."""
    from services.notifier.settings import CONSOLE_WEBHOOK_TOKEN_FILE
    from services.phone import Phone, play

    token_file = data_dir / CONSOLE_WEBHOOK_TOKEN_FILE
    if not token and not token_file.exists():
        raise typer.BadParameter(f"no {token_file}: start `dutywatch up` first, or give --token")
    handset = Phone(data_dir / "console" / "messages.jsonl", token or token_file.read_text().strip())
    play(handset, console)
