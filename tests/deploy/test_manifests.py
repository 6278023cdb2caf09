"""Every manifest, as written and as each overlay renders it, is one the API server would accept."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest

from tests.deploy.kubernetes_validation import KUBERNETES_VERSION, describe, file_problems, manifest_problems
from tests.deploy.manifests import (
    K8S,
    Manifest,
    kubectl,
    kustomization_files,
    listed_manifest_files,
    load_documents,
    referenced_files,
)
from tests.deploy.reporting import KUBECTL_MISSING
from tests.deploy.strimzi_validation import STRIMZI_GROUP

LISTED_FILES = sorted(
    {path for kustomization in kustomization_files() for path in listed_manifest_files(kustomization)}
)


@pytest.mark.parametrize("path", LISTED_FILES, ids=lambda path: str(path.relative_to(K8S)))
def test_every_listed_manifest_file_is_valid(path: Path, request: pytest.FixtureRequest) -> None:
    """Each file a kustomization lists validates against the Kubernetes schemas or the Strimzi CRDs."""
    if any(str(manifest.get("apiVersion", "")).startswith(STRIMZI_GROUP) for manifest in load_documents(path)):
        request.getfixturevalue("strimzi_crds")
    assert file_problems(path) == []


@pytest.mark.parametrize("kustomization", kustomization_files(), ids=lambda path: str(path.parent.relative_to(K8S)))
def test_every_file_a_kustomization_names_exists(kustomization: Path) -> None:
    """Resources, patches and generator files named by a kustomization are all there."""
    missing = [str(path) for path in referenced_files(kustomization) if not path.exists()]
    assert missing == []


def test_each_overlay_renders_to_valid_manifests(deployables: dict[str, list[Manifest]]) -> None:
    """`kubectl kustomize` renders each overlay and every rendered manifest validates; without kubectl, says so."""
    if kubectl() is None:
        print(KUBECTL_MISSING)
    assert deployables, "nothing rendered"
    problems = [
        f"{name} {describe(manifest)}: {problem}"
        for name, manifests in deployables.items()
        for manifest in manifests
        for problem in manifest_problems(manifest)
    ]
    assert problems == []


def test_the_rendered_overlays_hold_every_kind_the_issue_asks_for(deployables: dict[str, list[Manifest]]) -> None:
    """Namespace, Kafka, node pool, topics, users, deployments, services, PDBs, policies, HPA, ConfigMaps, Ingress;
    Secrets in the dev overlay only (production's are created by the operator)."""
    wanted = {
        "Namespace",
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
        "ConfigMap",
        "Ingress",
    }
    for name, manifests in deployables.items():
        expected = wanted | ({"Secret"} if name == "dev" else set())
        assert expected - {manifest["kind"] for manifest in manifests} == set(), name


def test_the_cached_validation_agrees_with_kubernetes_validate(deployables: dict[str, list[Manifest]]) -> None:
    """For every core manifest, `kubernetes_validate.validate(strict=True)` itself accepts what the tests accept."""
    checked = 0
    for manifests in deployables.values():
        for manifest in manifests:
            if not manifest["apiVersion"].startswith(STRIMZI_GROUP):
                kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
                checked += 1
    assert checked > 0


def test_kubernetes_validate_rejects_what_the_tests_reject() -> None:
    """An unknown field and a wrong type fail both kubernetes_validate.validate and the cached validation."""
    broken = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x", "labelz": {}},
        "spec": {"ports": [{"port": "http"}]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    problems = manifest_problems(broken)
    assert any("'labelz' was unexpected" in problem for problem in problems)
    assert any("spec.ports.0.port: 'http' is not of type" in problem for problem in problems)
