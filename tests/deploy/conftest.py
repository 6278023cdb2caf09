"""Fixtures for the deploy tests: the overlays rendered once per session; each report notes the Strimzi checks passed
over, for the summary."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

from tests.deploy.manifests import (
    K8S,
    Manifest,
    generated_config_maps,
    kubectl,
    listed_manifest_files,
    load_documents,
    overlays,
    render,
)
from tests.deploy.reporting import KUBECTL_MISSING, UNCHECKED_PROPERTY
from tests.deploy.strimzi_validation import UNCHECKED, StrimziCrdsMissingError, strimzi_crds_found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Each report carries the Strimzi checks passed over so far, for the summary (tests/deploy/reporting.py)."""
    report = yield
    if UNCHECKED:
        report.user_properties.append((UNCHECKED_PROPERTY, sorted(UNCHECKED)))
    return report


@pytest.fixture(scope="session")
def strimzi_crds() -> None:
    """The Strimzi CRDs are there; skipped without them (a clone in an empty folder), an error in CI."""
    if strimzi_crds_found():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(str(StrimziCrdsMissingError()))
    pytest.skip(str(StrimziCrdsMissingError()))


def _base() -> list[Manifest]:
    """The base as kustomize would render it, minus the namespace and the ConfigMaps' hash suffixes."""
    kustomization = K8S / "base" / "kustomization.yaml"
    listed = [document for path in listed_manifest_files(kustomization) for document in load_documents(path)]
    return listed + generated_config_maps(kustomization)


@pytest.fixture(scope="session")
def deployables() -> dict[str, list[Manifest]]:
    """Overlay name → what `kubectl kustomize` renders; without kubectl, {"base": the base's files}."""
    if kubectl() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {KUBECTL_MISSING}")
        print(KUBECTL_MISSING)
        return {"base": _base()}
    return {name: render(folder) for name, folder in overlays().items()}
