"""Every Secret key the Deployments read is made by someone: in prod by the documented managed-secrets option
(External Secrets), in dev by the overlay's secrets.yaml; the rest by Strimzi (KafkaUsers' passwords, cluster CA)."""

from __future__ import annotations

from tests.deploy.manifests import K8S, Manifest, load_documents
from tests.deploy.operator_secrets import STRIMZI_MADE
from tests.deploy.workloads import of_kind

EXTERNAL_SECRETS = K8S / "managed-secrets" / "external-secrets.yaml"


def read_secret_keys(manifests: list[Manifest]) -> set[tuple[str, str]]:
    """(Secret, key) of every secretKeyRef and secret volume of the Deployments' containers, but Strimzi's."""
    keys: set[tuple[str, str]] = set()
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    keys.add((reference["name"], reference["key"]))
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                keys |= {(volume["secret"]["secretName"], item["key"]) for item in volume["secret"].get("items", [])}
    return {pair for pair in keys if pair[0] not in STRIMZI_MADE}


def test_the_external_secrets_make_every_key_the_deployments_read(deployables: dict[str, list[Manifest]]) -> None:
    """Each (Secret, key) a prod pod reads is made by an ExternalSecret, or by Strimzi; none is made for nothing."""
    made = {
        (secret["spec"]["target"]["name"], entry["secretKey"])
        for secret in load_documents(EXTERNAL_SECRETS)
        for entry in secret["spec"]["data"]
    }
    assert read_secret_keys(deployables.get("prod") or next(iter(deployables.values()))) == made


def test_the_dev_overlay_ships_every_key_its_deployments_read(deployables: dict[str, list[Manifest]]) -> None:
    """Each (Secret, key) a dev pod reads, but Strimzi's, is in the dev overlay's Secrets (secrets.yaml)."""
    manifests = deployables.get("dev") or load_documents(K8S / "overlays" / "dev" / "secrets.yaml")
    shipped = {
        (secret["metadata"]["name"], key)
        for secret in of_kind(manifests, "Secret")
        for key in [*secret.get("stringData", {}), *secret.get("data", {})]
    }
    read = read_secret_keys(deployables.get("dev") or next(iter(deployables.values())))
    assert read - shipped == set()
