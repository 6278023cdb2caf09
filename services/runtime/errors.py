"""The three kinds of error. Handlers and adapters raise them; only the app turns them into broker actions.
And the one a service cannot start with: its configuration is wrong."""

from __future__ import annotations

__all__ = ["ConfigurationError", "PermanentError", "RetryableError", "UnsupportedError"]


class RetryableError(Exception):
    """Worth trying again later: a timeout, a busy provider, a lost connection."""


class PermanentError(Exception):
    """Trying again cannot help: an invalid number, a message that breaks a rule. Goes to the DLQ at once."""


class UnsupportedError(PermanentError):
    """The request is valid but this deployment cannot carry it out (a channel a provider lacks)."""


class ConfigurationError(Exception):
    """A configuration file or setting the service cannot run with; the message names the file and line."""
