"""Each service's Deployment is hardened, probed on its health endpoints, and has its Service, PDB and policy."""

from __future__ import annotations

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


def test_the_ingress_exposes_only_the_notifier_webhooks(deployables: dict[str, list[Manifest]]) -> None:
    """The one Ingress routes /webhooks (and nothing else) to the notifier, over TLS."""
    for manifests in deployables.values():
        (ingress,) = of_kind(manifests, "Ingress")
        paths = [path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
        assert [(path["path"], path["backend"]["service"]["name"]) for path in paths] == [("/webhooks", "notifier")]
        assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"] for rule in ingress["spec"]["rules"]]


def test_the_public_url_is_the_ingress_host(deployables: dict[str, list[Manifest]]) -> None:
    """The notifier checks webhook signatures against PUBLIC_URL, so it is https://<the Ingress host>."""
    for manifests in deployables.values():
        (ingress,) = of_kind(manifests, "Ingress")
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


def test_the_secrets_shipped_for_production_hold_placeholders_only(deployables: dict[str, list[Manifest]]) -> None:
    """Every Secret value of the base and the prod overlay is a REPLACE_ME placeholder: no credential is in git."""
    for name, manifests in deployables.items():
        if name == "dev":
            continue
        secrets = of_kind(manifests, "Secret")
        assert len(secrets) == 6, name
        for secret in secrets:
            assert "data" not in secret
            for key, value in secret["stringData"].items():
                assert "REPLACE_ME" in value, (secret["metadata"]["name"], key)
