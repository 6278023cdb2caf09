"""Whether two written locations name the same place, for joining repeated reports of one incident.

The rule (README, "Deduplication"): both are normalised — full-width to half-width and lower case (NFKC),
spaces and punctuation dropped, Chinese numerals written as digits (三号楼 → 3号楼, 十二楼 → 12楼), and 栋/幢
read as 号楼 — and they name the same place when one normalised form contains the other: "福利院3号楼" and
"福利院3号楼二层" are one place, "福利院3号楼" and "福利院4号楼" are two. A location said less precisely
("福利院") joins any more precise one in it.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_location", "same_place"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十]+")
_NOT_WORD = re.compile(r"[\W_]+")
_BUILDING = re.compile(r"(\d+)(?:号)?(?:栋|幢)")


def normalise_location(text: str) -> str:
    """The form two locations are compared in."""
    folded = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    digits = _NUMERAL.sub(lambda match: _arabic(match.group(0)), folded)
    return _BUILDING.sub(r"\1号楼", digits)


def same_place(one: str, other: str) -> bool:
    a, b = normalise_location(one), normalise_location(other)
    if not a or not b:
        return a == b
    return a in b or b in a


def _arabic(numeral: str) -> str:
    """一 → 1, 十二 → 12, 二十三 → 23, 一零三 → 103; what it cannot read it leaves alone."""
    if "十" not in numeral:
        return "".join(str(_DIGITS[char]) for char in numeral)
    tens, _, ones = numeral.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return numeral
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))
