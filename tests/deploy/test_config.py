"""The configuration the manifests ship is what the services read and accept."""

from __future__ import annotations

import importlib

import pytest
from pydantic import BaseModel

from services.duty_roster.adapters.holidays_file import DEFAULT_HOLIDAYS_FILE, load_calendar
from services.duty_roster.adapters.roster_file import read_roster
from services.notifier.adapters.aliyun.config import AliyunSettings
from services.notifier.domain.policy import load_policy_book
from tests.deploy.manifests import K8S, Manifest
from tests.deploy.workloads import SERVICES, the

CONFIG = K8S / "base" / "config"

# The notifier's Aliyun adapter names these (services/notifier/adapters/aliyun/config.py, nested as `aliyun`)
# but its Settings may not carry the `aliyun` field yet; every other name must be read today.
ALIYUN = {
    f"DUTYWATCH_NOTIFIER_ALIYUN__{name}"
    for name in (
        "ACCESS_KEY_ID",
        "ACCESS_KEY_SECRET",
        "PUSH_TOKENS",
        "SIGN_NAME",
        "SHOW_NUMBER",
        "SMS_TEMPLATES",
        "TTS_TEMPLATES",
    )
}


def _reads(model: type[BaseModel], name: str) -> bool:
    """Whether pydantic-settings maps `name` (prefix removed, `__` nesting) onto a field of `model`."""
    head, _, rest = name.lower().partition("__")
    field = model.model_fields.get(head)
    if field is None:
        return False
    if not rest:
        return True
    nested = field.annotation
    return isinstance(nested, type) and issubclass(nested, BaseModel) and _reads(nested, rest)


def _environment_names(deployment: Manifest) -> set[str]:
    pod = deployment["spec"]["template"]["spec"]
    containers = pod["containers"] + pod.get("initContainers", [])
    return {variable["name"] for container in containers for variable in container.get("env", [])}


def test_the_aliyun_names_are_the_aliyun_adapters_settings() -> None:
    """The Aliyun variables the notifier is given are fields of the adapter's own settings model."""
    assert all(_reads(AliyunSettings, name.removeprefix("DUTYWATCH_NOTIFIER_ALIYUN__")) for name in ALIYUN)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_environment_variable_is_a_setting_the_service_reads(
    deployables: dict[str, list[Manifest]], name: str
) -> None:
    """Settings ignore unknown variables, so a misspelt name would be silently dropped; none is."""
    module, _port, prefix = SERVICES[name]
    settings = importlib.import_module(f"services.{module}.settings").Settings
    for manifests in deployables.values():
        names = _environment_names(the(manifests, "Deployment", name))
        assert all(variable.startswith(prefix) for variable in names)
        unread = {variable for variable in names if not _reads(settings, variable.removeprefix(prefix))}
        assert unread <= ALIYUN, sorted(unread - ALIYUN)


def test_the_escalation_policies_config_map_parses() -> None:
    """Each file of the dutywatch-policies ConfigMap is a policy book the notifier's own loader accepts."""
    files = sorted((CONFIG / "policies").glob("*.yaml"))
    assert files
    for path in files:
        assert load_policy_book(path.read_text(encoding="utf-8")).default, path


def test_the_roster_config_map_checks() -> None:
    """The roster the init container imports passes `dutywatch roster check` (the same reader)."""
    text = (CONFIG / "roster.yaml").read_text(encoding="utf-8")
    index, issues = read_roster(text, load_calendar(DEFAULT_HOLIDAYS_FILE))
    assert issues == []
    assert index is not None
