"""Alembic runs this for every command: the connection, models and version table come from `Migrations.config`."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator


def _render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    # A column type of our own (UtcDateTime) is written as the type it stores, so that a revision imports no
    # service code and reads the same whatever that code becomes.
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl_instance!r}"
    return False


attributes = context.config.attributes
context.configure(
    connection=attributes["connection"],
    target_metadata=attributes["target_metadata"],
    version_table=attributes["version_table"],
    render_as_batch=True,  # SQLite alters a table by copying it; Alembic's batch mode does that, PostgreSQL alters
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
