"""The KafkaTopics and the topic registry (schemas/topics.py) name the same topics, DLQs included."""

from __future__ import annotations

import copy

from schemas.topics import TOPICS, Topic
from tests.deploy.manifests import K8S, Manifest, load_documents
from tests.deploy.topic_check import declared_topics, topic_differences

TOPICS_FILE = K8S / "base" / "kafka" / "topics.yaml"


def test_the_kafka_topics_match_the_registry() -> None:
    """Every registry topic and its DLQ has a KafkaTopic with its partitions and retention, and no other exists."""
    assert topic_differences(TOPICS, load_documents(TOPICS_FILE)) == []


def test_every_overlay_keeps_the_registry_topics(deployables: dict[str, list[Manifest]]) -> None:
    """What each overlay renders still matches the registry, so no patch drops or resizes a topic."""
    for name, manifests in deployables.items():
        assert topic_differences(TOPICS, manifests) == [], name


def test_a_registry_topic_without_a_kafka_topic_is_reported() -> None:
    """A topic added to the registry, and not to topics.yaml, is named with its DLQ."""
    registry = (*TOPICS, Topic("incident.photos", 3, "Photos attached to incident reports."))
    assert topic_differences(registry, load_documents(TOPICS_FILE)) == [
        "incident.photos: in the registry but has no KafkaTopic",
        "incident.photos.dlq: in the registry but has no KafkaTopic",
    ]


def test_a_kafka_topic_the_registry_does_not_know_is_reported() -> None:
    """A topic removed from the registry but left in topics.yaml is named."""
    registry = tuple(topic for topic in TOPICS if topic.name != "duty.checkins")
    assert topic_differences(registry, load_documents(TOPICS_FILE)) == [
        "duty.checkins: has a KafkaTopic but is not in the registry",
        "duty.checkins.dlq: has a KafkaTopic but is not in the registry",
    ]


def test_a_partition_or_retention_mismatch_is_reported() -> None:
    """A KafkaTopic with other partitions or retention than the registry is named with both values."""
    manifests = copy.deepcopy(load_documents(TOPICS_FILE))
    topics = declared_topics(manifests)
    topics["notify.requests"]["spec"]["partitions"] = 6
    topics["duty.units"]["spec"]["config"]["retention.ms"] = 604800000
    assert topic_differences(TOPICS, manifests) == [
        "duty.units: retention.ms 604800000 in its KafkaTopic, -1 in the registry",
        "notify.requests: 6 partitions in its KafkaTopic, 3 in the registry",
    ]


def _replication(manifests: list[Manifest]) -> set[tuple[int, int]]:
    return {
        (manifest["spec"]["replicas"], manifest["spec"]["config"]["min.insync.replicas"])
        for manifest in manifests
        if manifest["kind"] == "KafkaTopic"
    }


def _node_count(manifests: list[Manifest]) -> int:
    return sum(manifest["spec"]["replicas"] for manifest in manifests if manifest["kind"] == "KafkaNodePool")


def test_topics_are_replicated_as_the_brokers_allow(deployables: dict[str, list[Manifest]]) -> None:
    """prod: 3 replicas, 2 in sync, on 3 nodes (one broker may fail); dev: 1 and 1 on its single node."""
    expected = {"prod": ({(3, 2)}, 3), "dev": ({(1, 1)}, 1), "base": ({(3, 2)}, 3)}
    for name, manifests in deployables.items():
        assert (_replication(manifests), _node_count(manifests)) == expected[name], name
