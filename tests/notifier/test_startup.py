"""The notifier checks its policy file whole before it starts: a gap or a typo stops it, naming the line."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED = files("services.notifier").joinpath("policies/default.yaml").read_text(encoding="utf-8")
TOKENS = json.dumps({"bureau": {"token": "startup-test-token-0123456789", "units": ["*"]}})


def start_notifier(policy: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "DUTYWATCH_NOTIFIER_DATA_DIR": str(data_dir),
        "DUTYWATCH_NOTIFIER_API_TOKENS": TOKENS,
        "DUTYWATCH_NOTIFIER_POLICY_FILE": str(policy),
        "DUTYWATCH_NOTIFIER_HTTP_PORT": "1",  # never reached: the start is refused before it listens
    }
    command = [sys.executable, "-m", "services", "service", "notifier"]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)


def test_a_policy_file_lacking_a_run_kind_stops_the_notifier_naming_it(tmp_path: Path) -> None:
    """Without `report` no report recipient could be alerted: the notifier exits non-zero naming file, line, kind."""
    policy = tmp_path / "policies.yaml"
    policy.write_text(SHIPPED.replace("  report:\n", "  reports:\n"), encoding="utf-8")
    started = start_notifier(policy, tmp_path)
    line = SHIPPED.splitlines().index("default:") + 1
    assert started.returncode == 2, started.stderr
    assert f"{policy}: line {line}: default lacks a policy for report" in started.stderr


def test_an_unknown_target_stops_the_notifier_naming_its_line(tmp_path: Path) -> None:
    """A step naming a target nobody resolves (a typo) is refused at start, with the step's line."""
    policy = tmp_path / "policies.yaml"
    text = SHIPPED.replace("{targets: [duty_room], channel: voice", "{targets: [dutyroom], channel: voice")
    policy.write_text(text, encoding="utf-8")
    started = start_notifier(policy, tmp_path)
    line = next(n for n, each in enumerate(text.splitlines(), start=1) if "dutyroom" in each)
    assert started.returncode == 2, started.stderr
    assert f"line {line}: policy default.incident.steps.3: unknown target 'dutyroom'" in started.stderr
