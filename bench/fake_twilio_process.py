"""The fake Twilio in a process of its own, so that a benchmark's load generator does not share its GIL.

`python -m bench.fake_twilio_process LOG [--step-delay S]`: prints one JSON line (base URL, account SID,
auth token), then appends every API request it receives to LOG as a JSON line, with the monotonic time
it arrived (CLOCK_MONOTONIC: the same clock in every process of the machine). Stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.fakes.twilio import FakeTwilio

COPY_EVERY_S = 0.5  # each line carries its own arrival time


def serve(log: Path, step_delay: float) -> None:
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    with FakeTwilio(step_delay=step_delay) as twilio, log.open("a", encoding="utf-8") as out:
        print(json.dumps({"base_url": twilio.base_url, "sid": twilio.account_sid, "token": twilio.auth_token}))
        sys.stdout.flush()
        copied = 0
        while not stopping:
            requests = twilio.requests
            for request in requests[copied:]:
                line = {"method": request.method, "path": request.path, "form": request.form, "time": request.time}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            copied = len(requests)
            out.flush()
            # The fake keeps every request and callback till the end. Unfrozen, that heap was walked by each
            # pass of the collector's oldest generation, stopping the fake for up to 230 ms in a 30 s run at
            # 200/s: a stall of the stand-in for Twilio, charged to the services' latency.
            gc.freeze()
            time.sleep(COPY_EVERY_S)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--step-delay", type=float, default=0.2)
    arguments = parser.parse_args()
    serve(arguments.log, arguments.step_delay)
