"""Each service's Deployment is hardened, probed on its health endpoints, has its Service, PDB and policy, and
reaches Kafka and the APIs it calls, nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.manifests import Manifest
from tests.deploy.workloads import (
    SERVICES,
    config_map_value,
    container,
    env,
    images,
    ingress_ports,
    of_kind,
    policies_selecting,
    selects,
    the,
)

SERVICE_NAMES = sorted(SERVICES)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_container_runs_hardened(deployables: dict[str, list[Manifest]], name: str) -> None:
    """Non-root, read-only root filesystem, no privilege escalation, every capability dropped, resources set."""
    for manifests in deployables.values():
        pod = the(manifests, "Deployment", name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for each in pod["containers"] + pod.get("initContainers", []):
            security = each["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert {"cpu", "memory"} <= each["resources"]["requests"].keys()
            assert "memory" in each["resources"]["limits"]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_service_runs_with_its_name_port_and_writable_data_dir(
    deployables: dict[str, list[Manifest]], name: str
) -> None:
    """`dutywatch service <name>` on 0.0.0.0:<port>, JSON logs, idempotent producer, data_dir on an emptyDir."""
    argument, port, prefix = SERVICES[name]
    for manifests in deployables.values():
        deployment = the(manifests, "Deployment", name)
        variables = env(deployment)
        assert container(deployment)["args"] == [argument]
        assert container(deployment)["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert variables[f"{prefix}HTTP_HOST"]["value"] == "0.0.0.0"
        assert variables[f"{prefix}HTTP_PORT"]["value"] == str(port)
        assert variables[f"{prefix}LOG_JSON"]["value"] == "true"
        assert variables[f"{prefix}KAFKA__IDEMPOTENT_PRODUCER"]["value"] == "true"
        assert "secretKeyRef" in variables[f"{prefix}DATABASE_URL"]["valueFrom"]
        mounts = {mount["mountPath"]: mount["name"] for mount in container(deployment)["volumeMounts"]}
        volumes = {volume["name"]: volume for volume in deployment["spec"]["template"]["spec"]["volumes"]}
        assert "emptyDir" in volumes[mounts[variables[f"{prefix}DATA_DIR"]["value"]]]
        assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_probes_use_the_health_endpoints(deployables: dict[str, list[Manifest]], name: str) -> None:
    """Liveness and start-up on /health/live, readiness on /health/ready, all on the container's HTTP port."""
    for manifests in deployables.values():
        probes = container(the(manifests, "Deployment", name))
        assert probes["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
        assert probes["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
        assert probes["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_each_deployment_has_its_service_pdb_and_network_policy(
    deployables: dict[str, list[Manifest]], name: str
) -> None:
    """A Service and a PodDisruptionBudget select its pods; a NetworkPolicy lets in only its own port."""
    port = SERVICES[name][1]
    for manifests in deployables.values():
        labels = the(manifests, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        service = the(manifests, "Service", name)
        assert selects({"matchLabels": service["spec"]["selector"]}, labels)
        assert [entry["port"] for entry in service["spec"]["ports"]] == [port]
        assert selects(the(manifests, "PodDisruptionBudget", name)["spec"]["selector"], labels)
        policies = policies_selecting(manifests, labels)
        deny_all = [policy["spec"] for policy in policies if not {"ingress", "egress"} & policy["spec"].keys()]
        assert any(spec["policyTypes"] == ["Ingress", "Egress"] for spec in deny_all)
        assert ingress_ports(policies) == {port}


def test_only_incident_intake_autoscales(deployables: dict[str, list[Manifest]]) -> None:
    """One HorizontalPodAutoscaler, on the incident Deployment, within the bounds of each overlay."""
    for manifests in deployables.values():
        autoscalers = of_kind(manifests, "HorizontalPodAutoscaler")
        assert [hpa["spec"]["scaleTargetRef"]["name"] for hpa in autoscalers] == ["incident"]
        assert 1 <= autoscalers[0]["spec"]["minReplicas"] < autoscalers[0]["spec"]["maxReplicas"]
        assert "replicas" not in the(manifests, "Deployment", "incident")["spec"]


def test_the_ingress_exposes_only_the_notifier_webhooks_and_the_boards_pages(
    deployables: dict[str, list[Manifest]],
) -> None:
    """/webhooks goes to the notifier and the pages to the board, on one host over TLS; no /health or /metrics."""
    for manifests in deployables.values():
        ingresses = of_kind(manifests, "Ingress")
        paths = [
            (path["path"], path["backend"]["service"]["name"])
            for ingress in ingresses
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        ]
        assert ("/webhooks", "notifier") in paths and ("/duty", "board") in paths
        assert {service for _path, service in paths} == {"notifier", "board"}
        assert not [path for path, _service in paths if path.startswith(("/health", "/metrics", "/docs"))]
        hosts = {rule["host"] for ingress in ingresses for rule in ingress["spec"]["rules"]}
        assert len(hosts) == 1
        for ingress in ingresses:
            assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"] for rule in ingress["spec"]["rules"]]


def test_the_public_url_is_the_ingress_host(deployables: dict[str, list[Manifest]]) -> None:
    """The notifier checks webhook signatures against PUBLIC_URL, so it is https://<the Ingress host>."""
    for manifests in deployables.values():
        ingress = the(manifests, "Ingress", "notifier-webhooks")
        variable = env(the(manifests, "Deployment", "notifier"))["DUTYWATCH_NOTIFIER_PUBLIC_URL"]
        reference = variable["valueFrom"]["configMapKeyRef"]
        if of_kind(manifests, "ConfigMap"):
            assert config_map_value(manifests, reference) == f"https://{ingress['spec']['rules'][0]['host']}"
        else:
            assert reference["name"] == "dutywatch-webhooks"


def test_every_image_is_pinned(deployables: dict[str, list[Manifest]]) -> None:
    """Every container image names a tag or digest, and none is `latest`."""
    for manifests in deployables.values():
        assert images(manifests)
        for image in images(manifests):
            tag = image.rpartition(":")[2]
            assert "@sha256:" in image or ("/" not in tag and tag not in {"", "latest"}), image


def test_production_renders_no_secret_data(deployables: dict[str, list[Manifest]]) -> None:
    """The prod overlay (and the base) hold no Secret and no secret value: the operator creates them; only the
    dev overlay ships Secrets, whose credentials are placeholders the services refuse to start with."""
    for name, manifests in deployables.items():
        if name == "dev":
            continue
        assert of_kind(manifests, "Secret") == [], name
        holding = [
            m["metadata"]["name"] for m in manifests if "stringData" in m or ("data" in m and m["kind"] != "ConfigMap")
        ]
        assert holding == [], name


def test_the_dev_secrets_hold_placeholders_for_every_credential(deployables: dict[str, list[Manifest]]) -> None:
    """Every dev Secret value but the in-namespace database's is a REPLACE_ME placeholder."""
    for secret in of_kind(deployables.get("dev", []), "Secret"):
        if secret["metadata"]["name"] in {"dutywatch-database", "postgresql"}:
            continue
        for key, value in secret["stringData"].items():
            assert "REPLACE_ME" in value, (secret["metadata"]["name"], key)


# Deployment → the other services' APIs it calls (the board's pages act through the owning services).
CALLS = {name: set[tuple[str, int]]() for name in SERVICES} | {
    "board": {("incident", 8102), ("notifier", 8103), ("duty-roster", 8101)}
}


def _pod_labels(manifests: list[Manifest], name: str) -> dict[str, str]:
    labels: dict[str, str] = the(manifests, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
    return labels


def _pod_peers(manifests: list[Manifest], labels: dict[str, str], direction: str) -> list[tuple[dict[str, Any], int]]:
    """(podSelector, port) of every same-namespace pod peer the policies on these pods let in or out."""
    rules_key, peers_key = ("egress", "to") if direction == "out" else ("ingress", "from")
    return [
        (peer["podSelector"], entry["port"])
        for policy in policies_selecting(manifests, labels)
        for rule in policy["spec"].get(rules_key, [])
        for peer in rule.get(peers_key, [])
        if "podSelector" in peer and "namespaceSelector" not in peer
        for entry in rule["ports"]
    ]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_a_service_reaches_the_apis_it_calls_and_no_other(deployables: dict[str, list[Manifest]], name: str) -> None:
    """Egress opens exactly the service APIs the service calls, and each of them lets that service's pods in."""
    for manifests in deployables.values():
        labels = _pod_labels(manifests, name)
        reached = {
            (target, port)
            for selector, port in _pod_peers(manifests, labels, "out")
            for target in SERVICES
            if selects(selector, _pod_labels(manifests, target))
        }
        assert reached == CALLS[name]
        for target, port in CALLS[name]:
            peers = _pod_peers(manifests, _pod_labels(manifests, target), "in")
            assert [allowed for selector, allowed in peers if selects(selector, labels)] == [port], target


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_may_reach_kafka(deployables: dict[str, list[Manifest]], name: str) -> None:
    """The pods are admitted by the Kafka listener's peers (Strimzi's policy) and may open its port."""
    brokers = {"strimzi.io/cluster": "dutywatch", "strimzi.io/broker-role": "true"}
    for manifests in deployables.values():
        labels = _pod_labels(manifests, name)
        listener = the(manifests, "Kafka", "dutywatch")["spec"]["kafka"]["listeners"][0]
        assert any(selects(peer["podSelector"], labels) for peer in listener["networkPolicyPeers"])
        reachable = {port for selector, port in _pod_peers(manifests, labels, "out") if selects(selector, brokers)}
        assert listener["port"] in reachable
