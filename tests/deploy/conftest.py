"""Fixtures for the deploy tests: the overlays rendered once per session, and a line saying whether kubectl ran."""

from __future__ import annotations

import os

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
from tests.deploy.strimzi_validation import UNCHECKED, StrimziCrdsMissingError, strimzi_crds_found

KUBECTL_MISSING = (
    "deploy: kubectl is not on PATH, so the overlays were NOT rendered with `kubectl kustomize`; "
    "the checks ran on the base's files instead"
)


def kubectl_line() -> str:
    binary = kubectl()
    return f"deploy: overlays rendered with `{binary} kustomize`" if binary else KUBECTL_MISSING


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(kubectl_line())
    skipped = [report.nodeid for report in terminalreporter.stats.get("skipped", []) if _for_strimzi(report)]
    if skipped or UNCHECKED:
        terminalreporter.write_line(
            f"deploy: Strimzi checks SKIPPED, {StrimziCrdsMissingError()}; "
            f"skipped: {', '.join(skipped) or 'none'}; "
            f"not validated against their CRD: {', '.join(sorted(UNCHECKED)) or 'none'}"
        )


def _for_strimzi(report: pytest.TestReport) -> bool:
    return isinstance(report.longrepr, tuple) and "Strimzi CRDs" in str(report.longrepr[2])


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
