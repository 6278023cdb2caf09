"""A production start refuses empty, short and placeholder secrets, naming the setting; the embedded mode does not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.notifier.settings import Settings as NotifierSettings
from services.runtime.secrets import weak_secrets

STRONG = "k3xQ9vTz0LwP4mNa7bRc2dEf"
GOOD_TOKENS = json.dumps({"bureau": {"token": STRONG, "units": ["*"]}})
REPO = Path(__file__).resolve().parents[2]


def test_a_placeholder_token_stops_a_production_service_naming_the_setting(tmp_path: Path) -> None:
    """`dutywatch service incident` with the shipped `REPLACE_ME` token exits non-zero naming the variable."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DUTYWATCH_INCIDENT_DATA_DIR": str(tmp_path),
        "DUTYWATCH_INCIDENT_API_TOKENS": '{"REPLACE_ME": ["*"]}',
    }
    started = subprocess.run(
        [sys.executable, "-m", "services", "service", "incident"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "DUTYWATCH_INCIDENT_API_TOKENS" in started.stderr and "placeholder" in started.stderr
    assert "REPLACE_ME" not in started.stderr.replace("DUTYWATCH_", "")


@pytest.mark.parametrize(
    ("service", "env", "named"),
    [
        ("duty_roster", {}, "DUTYWATCH_ROSTER_API_TOKENS is empty"),
        (
            "duty_roster",
            {"DUTYWATCH_ROSTER_API_TOKENS": '{"office": {"token": "short", "units": ["*"]}}'},
            "DUTYWATCH_ROSTER_API_TOKENS (token 'office') is shorter than 24",
        ),
        (
            "notifier",
            {"DUTYWATCH_NOTIFIER_TWILIO_ACCOUNT_SID": "AC1"},
            "DUTYWATCH_NOTIFIER_TWILIO_AUTH_TOKENS is empty",
        ),
        (
            "notifier",
            {"DUTYWATCH_NOTIFIER_TWILIO_ACCOUNT_SID": "AC1", "DUTYWATCH_NOTIFIER_TWILIO_AUTH_TOKENS": "changeme"},
            "DUTYWATCH_NOTIFIER_TWILIO_AUTH_TOKENS (item 1) is a placeholder",
        ),
        (
            "notifier",
            {"DUTYWATCH_NOTIFIER_ALIYUN__ACCESS_KEY_ID": "LTAI1"},
            "DUTYWATCH_NOTIFIER_ALIYUN__ACCESS_KEY_SECRET is empty",
        ),
        (
            "notifier",
            {"DUTYWATCH_NOTIFIER_ALIYUN__ACCESS_KEY_ID": "LTAI1"},
            "DUTYWATCH_NOTIFIER_ALIYUN__PUSH_TOKENS is empty",
        ),
        (
            "incident",
            {
                "DUTYWATCH_INCIDENT_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
                "DUTYWATCH_INCIDENT_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
                "DUTYWATCH_INCIDENT_KAFKA__SASL_USERNAME": "incident",
            },
            "DUTYWATCH_INCIDENT_KAFKA__SASL_PASSWORD is empty",
        ),
    ],
)
def test_each_missing_or_weak_secret_is_named(service: str, env: dict[str, str], named: str, tmp_path: Path) -> None:
    """Every secret the configuration needs is checked: an API token, Twilio's, Aliyun's, the Kafka password."""
    prefix = {"duty_roster": "DUTYWATCH_ROSTER_", "incident": "DUTYWATCH_INCIDENT_", "notifier": "DUTYWATCH_NOTIFIER_"}
    tokens = {} if "API_TOKENS" in named else {f"{prefix[service]}API_TOKENS": GOOD_TOKENS}
    result = CliRunner().invoke(
        app, ["service", service], env={f"{prefix[service]}DATA_DIR": str(tmp_path), **tokens, **env}
    )
    assert result.exit_code == 2
    assert named in result.output


def test_strong_secrets_pass_and_features_left_off_need_none() -> None:
    """A strong API token is all a notifier without Twilio, Aliyun or Kafka SASL needs."""
    settings = NotifierSettings(api_tokens={"bureau": {"token": STRONG, "units": ["*"]}})  # type: ignore[dict-item]
    assert weak_secrets(settings, settings.required_secrets()) == []


def test_settings_that_do_not_validate_stop_the_start_naming_the_field(tmp_path: Path) -> None:
    """A setting pydantic refuses (SASL without its protocol) ends the start with exit 2 and the field, not a
    traceback."""
    env = {
        "DUTYWATCH_INCIDENT_DATA_DIR": str(tmp_path),
        "DUTYWATCH_INCIDENT_API_TOKENS": GOOD_TOKENS,
        "DUTYWATCH_INCIDENT_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
    }
    result = CliRunner().invoke(app, ["service", "incident"], env=env)
    assert result.exit_code == 2
    assert "refusing to start" in result.output and "kafka" in result.output and "Traceback" not in result.output
