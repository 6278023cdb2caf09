"""Lookups over rendered manifests: the services' Deployments and what selects them."""

from __future__ import annotations

from typing import Any

from tests.deploy.manifests import Manifest

__all__ = [
    "SERVICES",
    "config_map_value",
    "container",
    "env",
    "images",
    "ingress_ports",
    "of_kind",
    "policies_selecting",
    "selects",
    "the",
]

# Deployment name → (the argument of `dutywatch service`, HTTP port, settings env prefix).
SERVICES = {
    "duty-roster": ("duty_roster", 8101, "DUTYWATCH_ROSTER_"),
    "incident": ("incident", 8102, "DUTYWATCH_INCIDENT_"),
    "notifier": ("notifier", 8103, "DUTYWATCH_NOTIFIER_"),
    "rounds": ("rounds", 8104, "DUTYWATCH_ROUNDS_"),
    "board": ("board", 8100, "DUTYWATCH_BOARD_"),
}


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def the(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    return next(manifest for manifest in of_kind(manifests, kind) if manifest["metadata"]["name"] == name)


def container(deployment: Manifest) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def env(deployment: Manifest) -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in container(deployment).get("env", [])}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and the In operator of matchExpressions) against pod labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def policies_selecting(manifests: list[Manifest], labels: dict[str, str]) -> list[Manifest]:
    """The NetworkPolicies that apply to pods with these labels."""
    return [policy for policy in of_kind(manifests, "NetworkPolicy") if selects(policy["spec"]["podSelector"], labels)]


def ingress_ports(policies: list[Manifest]) -> set[int]:
    """Every port some policy lets connections in on."""
    return {
        entry["port"] for policy in policies for rule in policy["spec"].get("ingress", []) for entry in rule["ports"]
    }


def config_map_value(manifests: list[Manifest], reference: dict[str, str]) -> str:
    """The value a configMapKeyRef points at."""
    return str(the(manifests, "ConfigMap", reference["name"])["data"][reference["key"]])


def images(manifests: list[Manifest]) -> list[str]:
    workloads = [manifest for manifest in manifests if manifest["kind"] in {"Deployment", "StatefulSet"}]
    return [each["image"] for workload in workloads for each in workload["spec"]["template"]["spec"]["containers"]]
