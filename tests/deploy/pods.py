"""A Deployment's pod run as local processes, the way the kubelet runs it from the image.

The container's filesystem is a folder: each volume is materialised under it (emptyDir: a folder,
configMap and secret: their keys as files) and paths in the environment and arguments that point into a mount
are moved there.
Secrets and ConfigMaps referenced by the environment are read from the rendered manifests. The
entrypoint is the image's, `dutywatch service`, run from this virtualenv.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.deploy.manifests import Manifest
from tests.deploy.workloads import the

__all__ = ["Container", "pod_containers"]

ENTRYPOINT = ["dutywatch", "service"]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Container:
    name: str
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    spec: dict[str, Any]

    def start(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.argv, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)

    def run(self, timeout_s: float) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.argv,
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
        )


def _secret_value(manifests: list[Manifest], reference: Mapping[str, str]) -> str:
    secret = the(manifests, "Secret", reference["name"])
    if reference["key"] in secret.get("stringData", {}):
        return str(secret["stringData"][reference["key"]])
    return base64.b64decode(secret["data"][reference["key"]]).decode()


def _value(manifests: list[Manifest], variable: dict[str, Any]) -> str:
    if "value" in variable:
        return str(variable["value"])
    source = variable["valueFrom"]
    if "secretKeyRef" in source:
        return _secret_value(manifests, source["secretKeyRef"])
    reference = source["configMapKeyRef"]
    return str(the(manifests, "ConfigMap", reference["name"])["data"][reference["key"]])


def _volume_data(manifests: list[Manifest], volume: dict[str, Any]) -> dict[str, str] | None:
    """A configMap or secret volume's files (its `items` picked and renamed); None for other volumes."""
    if "configMap" in volume:
        source, data = volume["configMap"], dict(the(manifests, "ConfigMap", volume["configMap"]["name"])["data"])
    elif "secret" in volume:
        source = volume["secret"]
        secret = the(manifests, "Secret", source["secretName"])
        data = {key: _secret_value(manifests, {"name": source["secretName"], "key": key}) for key in _keys(secret)}
    else:
        return None
    if "items" in source:
        return {item["path"]: data[item["key"]] for item in source["items"]}
    return data


def _keys(secret: Manifest) -> list[str]:
    return [*secret.get("stringData", {}), *secret.get("data", {})]


def _materialise(manifests: list[Manifest], volumes: dict[str, Any], mount: dict[str, Any], root: Path) -> None:
    target = root / mount["mountPath"].lstrip("/")
    data = _volume_data(manifests, volumes[mount["name"]])
    if data is None:
        target.mkdir(parents=True, exist_ok=True)
        return
    if "subPath" in mount:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(data[mount["subPath"]], encoding="utf-8")
        return
    target.mkdir(parents=True, exist_ok=True)
    for key, text in data.items():
        (target / key).write_text(text, encoding="utf-8")


def _rooted(value: str, mounts: list[dict[str, Any]], root: Path) -> str:
    """A path inside a mount, moved under the folder that stands for the container's filesystem."""
    for mount in mounts:
        if value == mount["mountPath"] or value.startswith(mount["mountPath"].rstrip("/") + "/"):
            return str(root / value.lstrip("/"))
    return value


def _container(manifests: list[Manifest], pod: dict[str, Any], spec: dict[str, Any], root: Path) -> Container:
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    mounts = spec.get("volumeMounts", [])
    for mount in mounts:
        _materialise(manifests, volumes, mount, root)
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
    env |= {variable["name"]: _rooted(_value(manifests, variable), mounts, root) for variable in spec.get("env", [])}
    command = spec.get("command", ENTRYPOINT[:1]) + ([] if "command" in spec else ENTRYPOINT[1:])
    arguments = [_rooted(argument, mounts, root) for argument in [*command[1:], *spec.get("args", [])]]
    argv = [str(BIN / command[0]), *arguments]
    workdir = root / "var" / "lib" / "dutywatch"
    workdir.mkdir(parents=True, exist_ok=True)
    return Container(spec["name"], argv, env, workdir, spec)


def pod_containers(manifests: list[Manifest], deployment: Manifest, root: Path) -> tuple[list[Container], Container]:
    """The init containers, in order, and the one app container of the Deployment's pod."""
    pod = deployment["spec"]["template"]["spec"]
    inits = [_container(manifests, pod, spec, root) for spec in pod.get("initContainers", [])]
    (app,) = [_container(manifests, pod, spec, root) for spec in pod["containers"]]
    return inits, app
