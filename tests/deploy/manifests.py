"""The manifests under deploy/k8s: the files each kustomization lists, and each overlay rendered by kustomize.

Every function takes the k8s folder, so that the tests can run the same checks on a broken copy.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "K8S",
    "KUBERNETES_VERSION",
    "REPO_ROOT",
    "Manifest",
    "generated_config_maps",
    "kubectl",
    "kustomization_files",
    "listed_manifest_files",
    "load_documents",
    "overlays",
    "referenced_files",
    "render",
]

Manifest = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parents[2]
# The oldest Kubernetes the manifests are for (HPA v2, PDB unhealthyPodEvictionPolicy, Strimzi 1.2).
KUBERNETES_VERSION = "1.32.0"
K8S = REPO_ROOT / "deploy" / "k8s"


def load_documents(path: Path) -> list[Manifest]:
    """Every non-empty YAML document of a file."""
    return [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def overlays(k8s: Path = K8S) -> dict[str, Path]:
    return {path.name: path for path in sorted((k8s / "overlays").iterdir()) if path.is_dir()}


def kustomization_files(k8s: Path = K8S) -> list[Path]:
    return [k8s / "base" / "kustomization.yaml", *(folder / "kustomization.yaml" for folder in overlays(k8s).values())]


def _kustomization(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def listed_manifest_files(kustomization: Path) -> list[Path]:
    """The files a kustomization lists under `resources` (folders are kustomizations of their own)."""
    paths = [(kustomization.parent / entry).resolve() for entry in _kustomization(kustomization).get("resources", [])]
    return [path for path in paths if not path.is_dir()]


def referenced_files(kustomization: Path) -> list[Path]:
    """Every path a kustomization names: resources, patch files, generator files."""
    document = _kustomization(kustomization)
    names = list(document.get("resources", []))
    names += [patch["path"] for patch in document.get("patches", []) if "path" in patch]
    for generator in document.get("configMapGenerator", []) + document.get("secretGenerator", []):
        names += [entry.split("=", 1)[-1] for entry in generator.get("files", [])]
    return [(kustomization.parent / name).resolve() for name in names]


def generated_config_maps(kustomization: Path) -> list[Manifest]:
    """The ConfigMaps a kustomization's configMapGenerator makes, named without kustomize's hash suffix."""
    made = []
    for generator in _kustomization(kustomization).get("configMapGenerator", []):
        data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
        for entry in generator.get("files", []):
            key, _, name = entry.rpartition("=")
            path = kustomization.parent / name
            data[key or path.name] = path.read_text(encoding="utf-8")
        made.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data})
    return made


def kubectl() -> str | None:
    return shutil.which("kubectl")


def render(folder: Path) -> list[Manifest]:
    """`kubectl kustomize <folder>`: the manifests an operator would apply."""
    binary = kubectl()
    if binary is None:
        raise RuntimeError("kubectl is not on PATH")
    result = subprocess.run([binary, "kustomize", str(folder)], capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {folder} failed:\n{result.stderr}")
    return [document for document in yaml.safe_load_all(result.stdout) if document]
