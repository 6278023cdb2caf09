"""A renamed setting is still read under its old name: a deployment that set it keeps its consumer group and inbox
instead of starting under the default name and handling the retained log again."""

from __future__ import annotations

import pytest

from services.duty_roster.settings import Settings as RosterSettings
from services.notifier.settings import Settings as NotifierSettings


def test_the_notifier_reads_its_former_consumer_group_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYWATCH_NOTIFIER_CONSUMER_GROUP", "notifier-prod")
    assert NotifierSettings().service_name == "notifier-prod"


def test_the_roster_reads_its_former_name_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYWATCH_ROSTER_NAME", "roster-prod")
    assert RosterSettings().service_name == "roster-prod"


def test_the_new_name_wins_and_the_default_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    assert NotifierSettings().service_name == "notifier"
    monkeypatch.setenv("DUTYWATCH_NOTIFIER_CONSUMER_GROUP", "old")
    monkeypatch.setenv("DUTYWATCH_NOTIFIER_SERVICE_NAME", "new")
    assert NotifierSettings().service_name == "new"
    assert NotifierSettings(service_name="given").service_name == "given"
