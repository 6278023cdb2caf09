"""Secrets: made in the data folder for the embedded mode, and checked at a production start.

A production service refuses to start when a secret its configuration needs is empty, or when any secret is
shorter than MIN_LENGTH or a known placeholder (what a manifest or a README ships): such a value is a door
anyone who read the repository can open. The embedded mode (`dutywatch up`) generates what it needs instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

__all__ = ["MIN_LENGTH", "env_name", "secret_file", "weak_secrets", "weakness"]

log = structlog.get_logger(__name__)
MIN_LENGTH = 24
# Lower-case pieces of the values manifests, READMEs and tutorials ship in place of a secret.
PLACEHOLDERS = (
    "replace_me",
    "replace-me",
    "replaceme",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your-token",
    "your_token",
    "<token>",
    "dutywatch-dev-token",
    "xxxxxx",
)


def secret_file(path: Path, what: str) -> str:
    """The secret in `path`, made there on first start, readable by its owner only from the first byte on.
    Services starting together may race to make it: the file appears whole (linked in from a temporary file)
    or not at all, and the loser reads the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(MIN_LENGTH) + "\n")
        try:
            os.link(draft, path)
            log.info("generated a secret", what=what, path=str(path))
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    value = path.read_text().strip()
    if not value:
        raise ValueError(f"{path} is empty: write a token in it, or delete it to have one made")
    return value


def env_name(prefix: str, path: str) -> str:
    """`kafka.sasl_password` of prefix `DUTYWATCH_NOTIFIER_` → `DUTYWATCH_NOTIFIER_KAFKA__SASL_PASSWORD`."""
    return prefix + path.upper().replace(".", "__")


def weak_secrets(settings: BaseSettings, required: list[str]) -> list[str]:
    """What stops a production start: each `required` secret (dotted paths) left empty, and each secret set to
    a placeholder or to fewer than MIN_LENGTH characters; each problem names the environment variable."""
    prefix = settings.model_config.get("env_prefix", "")
    problems = [f"{env_name(prefix, path)} is empty" for path in required if not _filled(_at(settings, path))]
    for path, which, value in _secrets(settings, ""):
        reason = weakness(value.get_secret_value())
        if reason is not None:
            problems.append(f"{env_name(prefix, path)}{which} {reason}")
    return problems


def weakness(value: str) -> str | None:
    """Why a set secret is not one (None: nothing to say); an empty one is a feature left off."""
    if not value:
        return None
    lowered = value.lower()
    if any(marker in lowered for marker in PLACEHOLDERS):
        return "is a placeholder: generate a secret (e.g. `openssl rand -base64 32`)"
    if len(value) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    return None


def _at(model: Any, path: str) -> Any:
    for part in path.split("."):
        model = getattr(model, part)
    return model


def _filled(value: Any) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)


def _secrets(model: BaseModel, prefix: str) -> Iterator[tuple[str, str, SecretStr]]:
    """Every secret of `model` as (dotted path of its setting, which one within it, value)."""
    for name in type(model).model_fields:
        yield from _secrets_in(f"{prefix}{name}", "", getattr(model, name))


def _secrets_in(path: str, which: str, value: Any) -> Iterator[tuple[str, str, SecretStr]]:
    if isinstance(value, SecretStr):
        yield path, which, value
    elif isinstance(value, BaseModel):
        inner = _secrets(value, f"{path}.")
        yield from (inner if not which else ((path, which, found) for _, _, found in inner))
    elif isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield from _secrets_in(path, f" (item {number})", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _secrets_in(path, f" (token {key!r})", item)
