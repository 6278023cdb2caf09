"""Each service's schema migrations (Alembic): its revisions in `services/<service>/migrations/`, recorded in a
version table of its own.

A service's store runs `Migrations.upgrade` where it used to create its tables (`Store.create_tables`, at start),
and so does `dutywatch db upgrade`. A database that `create_all` made before migrations existed is stamped at the
baseline revision, not made again. README, "Schema migrations", says how to add a revision or a service.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, create_engine, inspect, text

from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox

__all__ = ["Migrations"]

SERVICES = Path(__file__).resolve().parents[1]
ENVIRONMENT = Path(__file__).with_name("migration_env")
T = TypeVar("T")


@dataclass(frozen=True)
class Migrations(Generic[T]):
    """A service's revisions, and the tables its code defines (`tables` adds them to a MetaData)."""

    service: str
    tables: Callable[[MetaData], T]

    @property
    def folder(self) -> Path:
        return SERVICES / self.service / "migrations"

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.service}"

    def models(self) -> MetaData:
        """What the revisions must build: the service's tables, its outbox and its inbox."""
        metadata = MetaData()
        self.tables(metadata)
        Outbox(metadata)
        Inbox(metadata)
        return metadata

    def upgrade(self, connection: Connection) -> None:
        """Bring the database to the newest revision, inside the caller's transaction."""
        _one_upgrade_at_a_time(connection, self.version_table)
        config = self.config(connection)
        if self._made_before_migrations(connection):
            command.stamp(config, self.baseline(config))
        command.upgrade(config, "head")

    def revision(self, message: str) -> Path:
        """Write the next revision: what the models have that the revisions so far do not build. Read it before
        committing: Alembic cannot tell a renamed column from a dropped one and a new one."""
        engine = create_engine("sqlite://")
        try:
            with engine.begin() as connection:
                self.upgrade(connection)
                config = self.config(connection)
                _format_with_ruff(config)
                number = sum(1 for _ in ScriptDirectory.from_config(config).walk_revisions()) + 1
                script = command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}")
        finally:
            engine.dispose()
        assert script is not None and not isinstance(script, list)
        return Path(script.path)

    def config(self, connection: Connection) -> Config:
        """Alembic's configuration for this service, run on `connection` (read by `migration_env/env.py`)."""
        config = Config()
        config.set_main_option("script_location", str(ENVIRONMENT))
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", str(self.folder))
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        config.attributes.update(connection=connection, target_metadata=self.models(), version_table=self.version_table)
        return config

    def baseline(self, config: Config) -> str:
        """The first revision: the schema as `create_all` made it before there were migrations."""
        base = ScriptDirectory.from_config(config).get_base()
        assert base is not None, f"{self.folder} has no revision"
        return base

    def _made_before_migrations(self, connection: Connection) -> bool:
        present = set(inspect(connection).get_table_names())
        return self.version_table not in present and bool(present & set(self.models().tables))


def _format_with_ruff(config: Config) -> None:
    # A written revision passes `make test`'s ruff as it is (ruff is a dev tool, as writing a revision is).
    config.set_section_option("post_write_hooks", "hooks", "format, fix")
    for hook, arguments in (("format", "format"), ("fix", "check --fix --quiet")):
        config.set_section_option("post_write_hooks", f"{hook}.type", "module")
        config.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
        config.set_section_option("post_write_hooks", f"{hook}.options", f"{arguments} REVISION_SCRIPT_FILENAME")


def _one_upgrade_at_a_time(connection: Connection, version_table: str) -> None:
    # Two replicas starting together on PostgreSQL would both find the schema old and both alter it; the lock
    # lasts until the transaction ends. SQLite's BEGIN IMMEDIATE already lets one writer in.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(version_table.encode())})
