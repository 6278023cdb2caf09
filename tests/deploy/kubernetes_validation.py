"""Every manifest against the Kubernetes OpenAPI schemas that kubernetes-validate bundles (strict: unknown
fields rejected) or, for Strimzi's custom resources, against the vendored CRDs."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import jsonschema
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from tests.deploy.manifests import (
    KUBERNETES_VERSION,
    Manifest,
    kubectl,
    kustomization_files,
    listed_manifest_files,
    load_documents,
    overlays,
    render,
)
from tests.deploy.strimzi_validation import STRIMZI_GROUP, strimzi_problems

__all__ = ["KUBERNETES_VERSION", "describe", "file_problems", "manifest_problems", "tree_problems"]

SCHEMAS = f"kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict"


@functools.cache
def _definitions() -> Registry[Any]:
    return Resource.from_contents(schema_contents(f"{SCHEMAS}/_definitions.json", KUBERNETES_VERSION)) @ Registry()


@functools.cache
def _kubernetes_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    """kubernetes_validate.validate's schema for (apiVersion, kind), built once instead of once per manifest."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(f"{SCHEMAS}/{kind.lower()}-{group_version}.json", KUBERNETES_VERSION)
    except FileNotFoundError:
        return None
    registry = Resource.from_contents(schema) @ _definitions()
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _kubernetes_problems(manifest: Manifest) -> list[str]:
    validator = _kubernetes_validator(str(manifest.get("apiVersion", "")), str(manifest.get("kind", "")))
    if validator is None:
        return [f"no Kubernetes {KUBERNETES_VERSION} schema for {manifest.get('apiVersion')} {manifest.get('kind')}"]
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]


def manifest_problems(manifest: Manifest) -> list[str]:
    """Why the API server would reject this manifest; empty when it is valid. Unknown kinds are problems."""
    if str(manifest.get("apiVersion", "")).startswith(STRIMZI_GROUP + "/"):
        return strimzi_problems(manifest)
    return _kubernetes_problems(manifest)


def describe(manifest: Manifest) -> str:
    return f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"


def file_problems(path: Path) -> list[str]:
    """The problems of every manifest in one file, each naming the file and the resource."""
    documents = load_documents(path)
    if not documents:
        return [f"{path}: no manifest in the file"]
    return [
        f"{path.name} {describe(manifest)}: {problem}"
        for manifest in documents
        for problem in manifest_problems(manifest)
    ]


def tree_problems(k8s: Path) -> list[str]:
    """Every listed file of every kustomization, then every overlay rendered (when kubectl is there)."""
    problems = [
        problem
        for kustomization in kustomization_files(k8s)
        for path in listed_manifest_files(kustomization)
        for problem in file_problems(path)
    ]
    if kubectl() is not None:
        for name, folder in overlays(k8s).items():
            problems += [
                f"overlay {name} {describe(manifest)}: {problem}"
                for manifest in render(folder)
                for problem in manifest_problems(manifest)
            ]
    return problems
