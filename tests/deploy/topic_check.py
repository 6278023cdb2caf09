"""The KafkaTopic resources against the topic registry (schemas/topics.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from schemas.topics import Topic
from tests.deploy.manifests import Manifest

__all__ = ["declared_topics", "topic_differences"]


def declared_topics(manifests: Iterable[Manifest]) -> dict[str, Manifest]:
    """Topic name (spec.topicName, else metadata.name) → its KafkaTopic."""
    return {
        manifest["spec"].get("topicName") or manifest["metadata"]["name"]: manifest
        for manifest in manifests
        if manifest.get("kind") == "KafkaTopic"
    }


def _expected(registry: Sequence[Topic]) -> dict[str, Topic]:
    return {each.name: each for topic in registry for each in (topic, topic.dlq)}


def _mismatches(topic: Topic, manifest: Manifest) -> list[str]:
    spec = manifest["spec"]
    problems = []
    if spec.get("partitions") != topic.partitions:
        problems.append(
            f"{topic.name}: {spec.get('partitions')} partitions in its KafkaTopic, {topic.partitions} in the registry"
        )
    retention = (spec.get("config") or {}).get("retention.ms")
    if retention != topic.retention_ms:
        problems.append(
            f"{topic.name}: retention.ms {retention} in its KafkaTopic, {topic.retention_ms} in the registry"
        )
    return problems


def topic_differences(registry: Sequence[Topic], manifests: Iterable[Manifest]) -> list[str]:
    """Every disagreement between the registry (each topic and its DLQ) and the KafkaTopics; empty when none."""
    expected, declared = _expected(registry), declared_topics(manifests)
    problems = [f"{name}: in the registry but has no KafkaTopic" for name in sorted(expected.keys() - declared.keys())]
    problems += [
        f"{name}: has a KafkaTopic but is not in the registry" for name in sorted(declared.keys() - expected.keys())
    ]
    for name in sorted(expected.keys() & declared.keys()):
        problems += _mismatches(expected[name], declared[name])
    return problems
