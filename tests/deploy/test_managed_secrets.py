"""The documented managed-secrets option (External Secrets) makes every Secret key the prod Deployments read,
except those Strimzi makes itself (the KafkaUsers' passwords, the cluster CA)."""

from __future__ import annotations

from tests.deploy.manifests import K8S, Manifest, load_documents

EXTERNAL_SECRETS = K8S / "managed-secrets" / "external-secrets.yaml"
STRIMZI_MADE = {"duty-roster", "incident", "notifier", "dutywatch-cluster-ca-cert"}


def read_secret_keys(manifests: list[Manifest]) -> set[tuple[str, str]]:
    """(Secret, key) of every secretKeyRef and secret volume of the Deployments' containers."""
    keys: set[tuple[str, str]] = set()
    for deployment in (m for m in manifests if m["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    keys.add((reference["name"], reference["key"]))
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                keys |= {(volume["secret"]["secretName"], item["key"]) for item in volume["secret"].get("items", [])}
    return keys


def test_the_external_secrets_make_every_key_the_deployments_read(deployables: dict[str, list[Manifest]]) -> None:
    """Each (Secret, key) a prod pod reads is made by an ExternalSecret, or by Strimzi; none is made for nothing."""
    made = {
        (secret["spec"]["target"]["name"], entry["secretKey"])
        for secret in load_documents(EXTERNAL_SECRETS)
        for entry in secret["spec"]["data"]
    }
    read = read_secret_keys(deployables.get("prod") or next(iter(deployables.values())))
    assert {pair for pair in read if pair[0] not in STRIMZI_MADE} == made
