"""The validation fails on a broken copy of deploy/k8s: a wrong type, an unknown field, a bad Strimzi field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.deploy.kubernetes_validation import tree_problems
from tests.deploy.manifests import K8S, Manifest


def _broken_copy(tmp_path: Path, relative: str, name: str, breaks: Callable[[Manifest], None]) -> Path:
    """deploy/k8s copied to tmp_path, with `breaks` applied to the resource `name` of the file `relative`."""
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    path = copy / relative
    documents = [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]
    target = next(document for document in documents if document["metadata"]["name"] == name)
    breaks(target)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return copy


def _replicas_as_text(deployment: Manifest) -> None:
    deployment["spec"]["replicas"] = "two"


def _misspelt_security_field(deployment: Manifest) -> None:
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFS"] = True


def _partitions_as_text(topic: Manifest) -> None:
    topic["spec"]["partitions"] = "3"


def _misspelt_topic_field(topic: Manifest) -> None:
    topic["spec"]["partiton"] = topic["spec"].pop("partitions")


def _unknown_listener_type(kafka: Manifest) -> None:
    kafka["spec"]["kafka"]["listeners"][0]["type"] = "internl"


def _zookeeper_in_kraft(kafka: Manifest) -> None:
    kafka["spec"]["zookeeper"] = {"replicas": 3, "storage": {"type": "ephemeral"}}


def _unknown_node_pool_role(pool: Manifest) -> None:
    pool["spec"]["roles"] = ["broker", "voter"]


BROKEN = [
    ("duty-roster/deployment.yaml", "duty-roster", _replicas_as_text, "spec.replicas: 'two' is not of type"),
    ("notifier/deployment.yaml", "notifier", _misspelt_security_field, "'readOnlyRootFS' was unexpected"),
    ("kafka/topics.yaml", "incident.events", _partitions_as_text, "spec.partitions: '3' is not of type 'integer'"),
    ("kafka/topics.yaml", "notify.events.dlq", _misspelt_topic_field, "'partiton' was unexpected"),
    ("kafka/kafka.yaml", "dutywatch", _unknown_listener_type, "'internl' is not one of"),
    ("kafka/kafka.yaml", "dutywatch", _zookeeper_in_kraft, "'zookeeper' was unexpected"),
    ("kafka/kafka.yaml", "combined", _unknown_node_pool_role, "'voter' is not one of"),
]


@pytest.mark.parametrize(
    ("relative", "name", "breaks", "expected"), BROKEN, ids=lambda value: getattr(value, "__name__", None)
)
def test_a_broken_copy_fails_validation(
    tmp_path: Path,
    relative: str,
    name: str,
    breaks: Callable[[Manifest], None],
    expected: str,
    request: pytest.FixtureRequest,
) -> None:
    """Breaking one field of one base manifest makes the validation report that field, in the file and each overlay."""
    if relative.startswith("kafka/"):
        request.getfixturevalue("strimzi_crds")
    problems = tree_problems(_broken_copy(tmp_path, f"base/{relative}", name, breaks))
    reported = [problem for problem in problems if expected in problem]
    assert reported, problems
    assert any(problem.startswith(relative.split("/")[-1]) for problem in reported)


def test_the_untouched_copy_passes(tmp_path: Path) -> None:
    """The copy itself is valid, so each failure above comes from its one broken field."""
    assert tree_problems(_broken_copy(tmp_path, "base/kafka/topics.yaml", "duty.units", lambda _topic: None)) == []
