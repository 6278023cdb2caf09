"""Each service's KafkaUser may do exactly what the registry's ACCESS says (schemas/topics.py), and ACCESS says
what the services do: the topics their consumer groups read, under the groups they join."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from schemas.topics import ACCESS, Access
from services.board.app import BoardBackend
from services.board.settings import Settings as BoardSettings
from services.duty_roster.app import RosterService
from services.duty_roster.settings import Settings as RosterSettings
from services.incident.app import IncidentBackend
from services.incident.settings import Settings as IncidentSettings
from services.notifier.app import Notifier
from services.notifier.settings import Settings as NotifierSettings
from services.rounds.app import RoundsBackend
from services.rounds.settings import Settings as RoundsSettings
from services.runtime.service import utc_now
from tests.deploy.manifests import K8S, Manifest, load_documents
from tests.deploy.workloads import SERVICES, container, of_kind, the

USERS_FILE = K8S / "base" / "kafka" / "users.yaml"
Acl = tuple[str, str, str, str]


def granted(user: Manifest) -> set[Acl]:
    """(resource type, name, pattern, operation) of every ACL of a KafkaUser."""
    return {
        (acl["resource"]["type"], acl["resource"]["name"], acl["resource"].get("patternType", "literal"), operation)
        for acl in user["spec"]["authorization"]["acls"]
        for operation in acl["operations"]
    }


def needed(access: Access) -> set[Acl]:
    reads = {("topic", topic, "literal", op) for topic in access.reads for op in ("Read", "Describe")}
    writes = {("topic", topic, "literal", op) for topic in access.written for op in ("Write", "Describe")}
    return reads | writes | {("group", access.group, "literal", op) for op in ("Read", "Describe")}


def user_differences(access: Mapping[str, Access], manifests: list[Manifest]) -> list[str]:
    """How the KafkaUsers differ from `access`: a user missing or unknown, an ACL too many or too few."""
    users = {user["metadata"]["name"]: user for user in of_kind(manifests, "KafkaUser")}
    wanted = {name.replace("_", "-"): needs for name, needs in access.items()}
    problems = [f"{name}: in ACCESS but has no KafkaUser" for name in sorted(set(wanted) - set(users))]
    problems += [f"{name}: a KafkaUser ACCESS does not know" for name in sorted(set(users) - set(wanted))]
    for name in sorted(set(wanted) & set(users)):
        user = users[name]
        if user["spec"]["authentication"]["type"] != "scram-sha-512":
            problems.append(f"{name}: authenticates with {user['spec']['authentication']['type']}")
        problems += [f"{name}: allowed {acl} beyond ACCESS" for acl in sorted(granted(user) - needed(wanted[name]))]
        problems += [f"{name}: lacks {acl}" for acl in sorted(needed(wanted[name]) - granted(user))]
    return problems


def test_the_kafka_users_match_the_registry() -> None:
    """users.yaml grants each service's user exactly its reads, writes (DLQs included) and group, by SCRAM."""
    assert user_differences(ACCESS, load_documents(USERS_FILE)) == []


def test_every_overlay_keeps_the_users(deployables: dict[str, list[Manifest]]) -> None:
    """No overlay patch widens or drops an ACL."""
    for name, manifests in deployables.items():
        assert user_differences(ACCESS, manifests) == [], name


def test_a_drift_is_reported() -> None:
    """A topic a service starts reading, or stops writing, without its KafkaUser following, is named."""
    notifier = ACCESS["notifier"]
    drifted = {
        **ACCESS,
        "notifier": dataclasses.replace(
            notifier, reads=(*notifier.reads, "incident.intake"), writes=notifier.writes[1:]
        ),
    }
    assert user_differences(drifted, load_documents(USERS_FILE)) == [
        "notifier: allowed ('topic', 'notify.events', 'literal', 'Describe') beyond ACCESS",
        "notifier: allowed ('topic', 'notify.events', 'literal', 'Write') beyond ACCESS",
        "notifier: lacks ('topic', 'incident.intake', 'literal', 'Describe')",
        "notifier: lacks ('topic', 'incident.intake', 'literal', 'Read')",
        "notifier: lacks ('topic', 'incident.intake.dlq', 'literal', 'Describe')",
        "notifier: lacks ('topic', 'incident.intake.dlq', 'literal', 'Write')",
    ]


async def test_access_says_what_each_service_reads_and_the_group_it_joins(tmp_path: Path) -> None:
    """The topics each service's consumer group subscribes to, and the group's default name, are ACCESS's."""
    roster = RosterService(RosterSettings(data_dir=tmp_path)).runtime
    incident = IncidentBackend(IncidentSettings(data_dir=tmp_path), utc_now).runtime
    notifier = Notifier(NotifierSettings(data_dir=tmp_path)).runtime
    rounds = RoundsBackend(RoundsSettings(data_dir=tmp_path), utc_now).runtime
    board = BoardBackend(BoardSettings(data_dir=tmp_path), utc_now).runtime
    runtimes = {"duty_roster": roster, "incident": incident, "notifier": notifier, "rounds": rounds, "board": board}
    assert runtimes.keys() == ACCESS.keys()
    for name, runtime in runtimes.items():
        assert (sorted(runtime.consumed_topics), runtime.name) == (sorted(ACCESS[name].reads), ACCESS[name].group)


def test_each_deployment_logs_in_as_its_own_user(deployables: dict[str, list[Manifest]]) -> None:
    """A service's SASL user is its own KafkaUser, its password from that user's Secret, over TLS."""
    for manifests in deployables.values():
        for name, (_module, _port, prefix) in SERVICES.items():
            env = {each["name"]: each for each in container(the(manifests, "Deployment", name))["env"]}
            assert env[f"{prefix}KAFKA__SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
            assert env[f"{prefix}KAFKA__SASL_MECHANISM"]["value"] == "SCRAM-SHA-512"
            assert env[f"{prefix}KAFKA__SASL_USERNAME"]["value"] == name
            assert env[f"{prefix}KAFKA__SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
                "name": name,
                "key": "password",
            }
            assert the(manifests, "KafkaUser", name)
