"""A small Dockerfile reader: instructions with their continuation lines joined, split into stages."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Instruction", "exec_form", "instructions", "stages"]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(path: Path) -> list[Instruction]:
    """Each instruction of the file, comments and blank lines dropped, `\\` continuations joined."""
    joined: list[str] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            joined.append(pending.strip())
            pending = ""
    return [Instruction(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def stages(path: Path) -> list[list[Instruction]]:
    """The instructions grouped by build stage, each starting with its FROM."""
    grouped: list[list[Instruction]] = []
    for instruction in instructions(path):
        if instruction.keyword == "FROM":
            grouped.append([])
        grouped[-1].append(instruction)
    return grouped


def exec_form(arguments: str) -> list[str]:
    """`["a", "b"]` as a list; shell form split like a shell would."""
    return list(json.loads(arguments)) if arguments.startswith("[") else shlex.split(arguments)
