"""Reading an inbound SMS: an acknowledgement of the latest alert, of a given code, or no reply at all."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Reply", "read_reply"]

ACK_WORDS = frozenset({"1", "确认", "收到", "好", "ok", "到"})
_CODE = re.compile(r"^(?:确认|收到|ok)?\s*(\d{4})$")


@dataclass(frozen=True)
class Reply:
    """`code` set: acknowledges that alert; `latest`: the latest open alert to the sender."""

    code: str | None = None
    latest: bool = False


def read_reply(text: str) -> Reply | None:
    """Return what a reply acknowledges, or None when the text is not a reply (it may be a report)."""
    normalized = unicodedata.normalize("NFKC", text).strip().lower().rstrip("。.!！")
    if normalized in ACK_WORDS:
        return Reply(latest=True)
    match = _CODE.match(normalized)
    if match:
        return Reply(code=match.group(1))
    return None
