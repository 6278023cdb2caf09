"""Run a command with the wall clock moved to a given Asia/Shanghai time, for the suite's any-date runs.

    python -m tests.moved_clock "2027-01-05 10:00:00" -- python -m pytest -q

Only the wall clock moves, by one offset for every process, so that a process started later sees the same time
as the others; it runs on from the given time. The monotonic clock stays, so every sleep and timeout behaves.
It preloads the libfaketime that the `libfaketime` package ships (Debian's 0.9.10 hangs or fails Python's timed
waits) into the command and every process it starts: broker and services included.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import libfaketime


def moved_environment(local_time: str) -> dict[str, str]:
    at = datetime.fromisoformat(local_time).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    offset_s = round((at - datetime.now(UTC)).total_seconds())
    _, preload = libfaketime.get_reload_information()
    return {
        **os.environ,
        **preload,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME": f"{offset_s:+d}",
    }


def main(arguments: list[str]) -> None:
    if len(arguments) < 3 or arguments[1] != "--":
        sys.exit('usage: python -m tests.moved_clock "YYYY-MM-DD HH:MM:SS" -- COMMAND …')
    command = arguments[2:]
    os.execvpe(command[0], command, moved_environment(arguments[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
