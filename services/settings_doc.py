"""Every setting of every service, as the table the README and `dutywatch settings` show."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from services import SERVICE_NAMES

__all__ = ["markdown_table", "setting_rows"]

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def setting_rows() -> Iterator[tuple[str, str, str]]:
    """(environment variable, default, meaning) for each setting of each service, nested ones flattened."""
    for service in SERVICE_NAMES:
        settings = importlib.import_module(f"services.{service}.settings").Settings
        prefix = settings.model_config["env_prefix"]
        yield from _rows(prefix, settings.model_fields)


def _rows(prefix: str, fields: dict[str, FieldInfo]) -> Iterator[tuple[str, str, str]]:
    for name, field in fields.items():
        nested = field.annotation if isinstance(field.annotation, type) else None
        if nested is not None and issubclass(nested, BaseModel):
            yield from _rows(f"{prefix}{name.upper()}__", nested.model_fields)
            continue
        yield f"{prefix}{name.upper()}", _default(field), (field.description or "").replace("|", "/")


def _default(field: FieldInfo) -> str:
    value: Any = field.get_default(call_default_factory=True)
    if value in (None, "", [], {}):
        return ""
    return str(value).replace(f"{PACKAGE_ROOT}/", "")


def markdown_table() -> str:
    lines = ["| environment variable | default | meaning |", "| --- | --- | --- |"]
    lines += [
        f"| `{name}` | {f'`{default}`' if default else ''} | {meaning} |" for name, default, meaning in setting_rows()
    ]
    return "\n".join(lines) + "\n"
