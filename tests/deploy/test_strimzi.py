"""The Strimzi validation reads the vendored CRDs and is as strict as the API server's field validation."""

from __future__ import annotations

import pytest

from tests.deploy.manifests import Manifest
from tests.deploy.strimzi_validation import served_kinds, strict, strimzi_problems


@pytest.mark.usefixtures("strimzi_crds")
def test_the_vendored_crds_are_loaded() -> None:
    """Kafka, KafkaNodePool, KafkaTopic and KafkaUser are served at kafka.strimzi.io/v1."""
    assert {
        ("kafka.strimzi.io/v1", "Kafka"),
        ("kafka.strimzi.io/v1", "KafkaNodePool"),
        ("kafka.strimzi.io/v1", "KafkaTopic"),
        ("kafka.strimzi.io/v1", "KafkaUser"),
    } <= served_kinds()


def test_strict_rejects_undeclared_fields_except_where_unknown_fields_are_preserved() -> None:
    """Objects with properties get additionalProperties: false; preserve-unknown-fields and maps are left open."""
    schema = {
        "type": "object",
        "properties": {
            "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        },
    }
    made = strict(schema)
    assert made["additionalProperties"] is False
    assert "additionalProperties" not in made["properties"]["config"]
    assert made["properties"]["labels"]["additionalProperties"] == {"type": "string"}
    assert made["properties"]["items"]["items"]["additionalProperties"] is False


@pytest.mark.usefixtures("strimzi_crds")
def test_an_old_strimzi_api_version_is_rejected() -> None:
    """v1beta2 is gone in Strimzi 1.x, so a KafkaTopic written for it is an error, not skipped."""
    topic: Manifest = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaTopic",
        "metadata": {"name": "duty.units", "labels": {"strimzi.io/cluster": "dutywatch"}},
        "spec": {"partitions": 3, "replicas": 3},
    }
    assert strimzi_problems(topic) == ["no vendored Strimzi CRD serves kafka.strimzi.io/v1beta2 KafkaTopic"]


@pytest.mark.usefixtures("strimzi_crds")
def test_topic_config_is_open_but_metadata_is_checked() -> None:
    """Any Kafka topic config key is accepted (the CRD preserves it); a misspelt metadata field is not."""
    topic: Manifest = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {"name": "duty.units", "lables": {}},
        "spec": {"partitions": 3, "config": {"cleanup.policy": "compact"}},
    }
    assert strimzi_problems(topic) == ["metadata: Additional properties are not allowed ('lables' was unexpected)"]
