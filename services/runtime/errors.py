"""The three kinds of error. Handlers and adapters raise them; only the app turns them into broker actions."""

from __future__ import annotations

__all__ = ["PermanentError", "RetryableError", "UnsupportedError"]


class RetryableError(Exception):
    """Worth trying again later: a timeout, a busy provider, a lost connection."""


class PermanentError(Exception):
    """Trying again cannot help: an invalid number, a message that breaks a rule. Goes to the DLQ at once."""


class UnsupportedError(PermanentError):
    """The request is valid but this deployment cannot carry it out (a channel a provider lacks)."""
