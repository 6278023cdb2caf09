"""Strimzi custom resources checked against the Strimzi 1.2.0 CRDs: at `DUTYWATCH_STRIMZI_CRDS`, by default
../shared/vendor/strimzi-1.2.0/ beside the repository (CI has it; a clone in an empty folder does not).

Each CRD's `openAPIV3Schema` is made strict the way the API server treats a structural schema under
strict field validation: an object with `properties` accepts no other field unless it says
`x-kubernetes-preserve-unknown-fields` or gives `additionalProperties`. `metadata` is checked against
Kubernetes' ObjectMeta. The CEL rules (`x-kubernetes-validations`) are not evaluated offline.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from tests.deploy.manifests import KUBERNETES_VERSION, REPO_ROOT, Manifest

__all__ = [
    "STRIMZI_CRDS",
    "STRIMZI_GROUP",
    "UNCHECKED",
    "StrimziCrdsMissingError",
    "served_kinds",
    "strict",
    "strimzi_crds_found",
    "strimzi_problems",
]

VENDORED_CRDS = REPO_ROOT.parent / "shared" / "vendor" / "strimzi-1.2.0"
STRIMZI_CRDS = Path(os.environ.get("DUTYWATCH_STRIMZI_CRDS") or VENDORED_CRDS)
STRIMZI_GROUP = "kafka.strimzi.io"
KUBERNETES_DEFINITIONS = f"kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict/_definitions.json"
OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


class StrimziCrdsMissingError(FileNotFoundError):
    """The Strimzi CRDs are not where the checks look for them."""

    def __init__(self) -> None:
        super().__init__(
            f"the Strimzi CRDs are not at {STRIMZI_CRDS}: put ../shared beside the repository "
            "or set DUTYWATCH_STRIMZI_CRDS to a folder holding Strimzi 1.2.0's *-Crd-*.yaml files"
        )


def strimzi_crds_found() -> bool:
    return any(STRIMZI_CRDS.glob("*-Crd-*.yaml"))


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a structural schema in which objects reject fields they do not declare."""
    result = dict(schema)
    if "properties" in result:
        result["properties"] = {name: strict(child) for name, child in result["properties"].items()}
        if "additionalProperties" not in result and not result.get("x-kubernetes-preserve-unknown-fields"):
            result["additionalProperties"] = False
    if isinstance(result.get("items"), dict):
        result["items"] = strict(result["items"])
    if isinstance(result.get("additionalProperties"), dict):
        result["additionalProperties"] = strict(result["additionalProperties"])
    return result


def _resource_schema(crd: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    schema = strict(version["schema"]["openAPIV3Schema"])
    properties = schema["properties"]
    properties["apiVersion"] = {"const": f"{STRIMZI_GROUP}/{version['name']}"}
    properties["kind"] = {"const": crd["spec"]["names"]["kind"]}
    properties["metadata"] = {"$ref": OBJECT_META, "required": ["name"]}
    schema["required"] = sorted({*schema.get("required", ()), "apiVersion", "kind", "metadata"})
    return schema


@functools.cache
def _validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """(apiVersion, kind) → validator, for every served version of every vendored CRD."""
    definitions = Resource.from_contents(schema_contents(KUBERNETES_DEFINITIONS, KUBERNETES_VERSION))
    registry: Registry[Any] = definitions @ Registry()
    if not strimzi_crds_found():
        raise StrimziCrdsMissingError()
    validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
    for path in sorted(STRIMZI_CRDS.glob("*-Crd-*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        for version in crd["spec"]["versions"]:
            if version["served"]:
                key = (f"{STRIMZI_GROUP}/{version['name']}", crd["spec"]["names"]["kind"])
                schema = _resource_schema(crd, version)
                validators[key] = jsonschema.Draft202012Validator(schema, registry=registry)
    return validators


def served_kinds() -> set[tuple[str, str]]:
    """(apiVersion, kind) of every resource the vendored CRDs serve."""
    return set(_validators())


UNCHECKED: set[str] = set()
"""Strimzi resources that tree-wide checks passed over because the CRDs were missing (never in CI)."""


def strimzi_problems(manifest: Manifest) -> list[str]:
    """Every way the resource breaks its CRD's schema; empty when the API server would accept it.

    Without the CRDs, outside CI, the resource is noted in UNCHECKED and passed over, so that a check of a
    whole tree still validates everything else; in CI (`CI=true`) their absence is an error.
    """
    if not strimzi_crds_found() and os.environ.get("CI") != "true":
        UNCHECKED.add(f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}")
        return []
    validator = _validators().get((manifest.get("apiVersion", ""), manifest.get("kind", "")))
    if validator is None:
        return [f"no vendored Strimzi CRD serves {manifest.get('apiVersion')} {manifest.get('kind')}"]
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda error: list(map(str, error.absolute_path)))
    ]
