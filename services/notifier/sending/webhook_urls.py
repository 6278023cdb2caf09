"""The URLs a provider calls back about an attempt."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Webhooks"]


@dataclass(frozen=True)
class Webhooks:
    """The URLs a provider calls back, built from the public URL the webhooks are reached at."""

    public_url: str

    def url(self, path: str, attempt_id: str | None = None) -> str:
        query = f"?attempt={attempt_id}" if attempt_id else ""
        return f"{self.public_url.rstrip('/')}/webhooks/twilio/{path}{query}"
