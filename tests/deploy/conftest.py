"""Fixtures for the deploy tests: the overlays rendered once per session, and a line saying whether kubectl ran."""

from __future__ import annotations

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

KUBECTL_MISSING = (
    "deploy: kubectl is not on PATH, so the overlays were NOT rendered with `kubectl kustomize`; "
    "the checks ran on the base's files instead"
)


def kubectl_line() -> str:
    binary = kubectl()
    return f"deploy: overlays rendered with `{binary} kustomize`" if binary else KUBECTL_MISSING


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(kubectl_line())


def _base() -> list[Manifest]:
    """The base as kustomize would render it, minus the namespace and the ConfigMaps' hash suffixes."""
    kustomization = K8S / "base" / "kustomization.yaml"
    listed = [document for path in listed_manifest_files(kustomization) for document in load_documents(path)]
    return listed + generated_config_maps(kustomization)


@pytest.fixture(scope="session")
def deployables() -> dict[str, list[Manifest]]:
    """Overlay name → what `kubectl kustomize` renders; without kubectl, {"base": the base's files}."""
    if kubectl() is None:
        print(KUBECTL_MISSING)
        return {"base": _base()}
    return {name: render(folder) for name, folder in overlays().items()}
