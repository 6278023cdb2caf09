"""The Deployments' pods, run as their manifests say (env, mounts, init container, probes) against a real
broker: they become ready, serve their probes and /metrics, log JSON with phones masked, and stop on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from services.runtime.embedded_broker import EmbeddedBroker, free_port
from testbed.brokers import running_broker
from tests.deploy.manifests import Manifest
from tests.deploy.operator_secrets import operator_secrets
from tests.deploy.pods import Container, pod_containers
from tests.deploy.workloads import SERVICES, the

LIVE_WITHIN_S = 30.0
# Each consumer group join takes the embedded broker about 5 s.
READY_WITHIN_S = 30.0
# terminationGracePeriodSeconds (30) minus the preStop sleep (5).
STOPPED_WITHIN_S = 25.0
SERVICE_NAMES = sorted(SERVICES)
pytestmark = pytest.mark.broker
UNMASKED_PHONE = re.compile(r"\+86\d{11}")


@dataclass
class RunningPod:
    name: str
    container: Container
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    metrics_path: str
    started_at: float

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def probe_path(self, probe: str) -> str:
        return str(self.container.spec[probe]["httpGet"]["path"])

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _on_this_machine(container: Container, prefix: str, port: int, bootstrap: str, database_url: str) -> Container:
    """The pod's environment with the cluster's addresses replaced by this machine's, and nothing else changed."""
    local = {
        f"{prefix}HTTP_HOST": "127.0.0.1",
        f"{prefix}HTTP_PORT": str(port),
        f"{prefix}KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        # The embedded broker has no idempotent producer, no TLS and no SCRAM; Strimzi's Kafka has.
        f"{prefix}KAFKA__IDEMPOTENT_PRODUCER": "false",
        f"{prefix}KAFKA__SECURITY_PROTOCOL": "PLAINTEXT",
        f"{prefix}KAFKA__SASL_MECHANISM": "",
        f"{prefix}DATABASE_URL": database_url,
    }
    env = {name: local.get(name, value) for name, value in container.env.items()}
    if prefix == "DUTYWATCH_NOTIFIER_":
        # The Secrets hold made-up Twilio and Aliyun credentials: keep them away from both.
        env["DUTYWATCH_NOTIFIER_PROVIDER"] = "console"
        env["DUTYWATCH_NOTIFIER_DOMESTIC_PROVIDER"] = "console"
    return replace(container, env=env)


def _start(manifests: list[Manifest], name: str, root: Path, bootstrap: str) -> RunningPod:
    _argument, _port, prefix = SERVICES[name]
    port, database_url = free_port(), f"sqlite:///{root / 'database.sqlite3'}"
    deployment = the(manifests, "Deployment", name)
    inits, app = pod_containers(manifests, deployment, root)
    for init in inits:
        finished = _on_this_machine(init, prefix, port, bootstrap, database_url).run(timeout_s=60)
        assert finished.returncode == 0, f"{name} init container {init.name}:\n{finished.stdout.decode()}"
    app = _on_this_machine(app, prefix, port, bootstrap, database_url)
    log = root / "container.log"
    with log.open("wb") as output:
        process = app.start(output)
    scraped = deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"]
    return RunningPod(name, app, process, port, log, scraped, time.monotonic())


def _answers_200(pod: RunningPod, path: str, deadline: float) -> bool:
    """Poll `path` until it answers 200 (True) or the deadline passes (False); fail if the process exits."""
    while time.monotonic() < deadline:
        assert pod.process.poll() is None, f"{pod.name} exited with {pod.process.returncode}:\n{pod.output()[-4000:]}"
        try:
            if httpx.get(pod.url(path), timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    return False


def _live_or_why(pod: RunningPod) -> RunningPod | str:
    try:
        if _answers_200(pod, pod.probe_path("livenessProbe"), pod.started_at + LIVE_WITHIN_S):
            return pod
        return f"{pod.name} not live within {LIVE_WITHIN_S} s:\n{pod.output()[-4000:]}"
    except AssertionError as error:
        return str(error)


@pytest.fixture(scope="module")
async def module_broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedBroker]:
    """A broker of this module's own: the pods' consumer groups and announcements stay away from other tests."""
    async with running_broker(tmp_path_factory.mktemp("broker") / "tansu.log") as broker:
        yield broker


@pytest.fixture(scope="module")
def pods(
    deployables: dict[str, list[Manifest]], module_broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, RunningPod | str]]:
    """The services started together from the prod overlay (the base without kubectl), each live or why not,
    with the Secrets an operator and Strimzi would have created."""
    manifests = [*(deployables.get("prod") or next(iter(deployables.values()))), *operator_secrets()]
    started: dict[str, RunningPod] = {}
    outcome: dict[str, RunningPod | str] = {}
    try:
        for name in SERVICES:
            try:
                started[name] = _start(manifests, name, tmp_path_factory.mktemp(name), module_broker.bootstrap)
            except AssertionError as error:
                outcome[name] = str(error)
        for name, pod in started.items():
            outcome[name] = _live_or_why(pod)
        yield outcome
    finally:
        for pod in started.values():
            if pod.process.poll() is None:
                pod.process.kill()
                pod.process.wait()


def _running(pods: dict[str, RunningPod | str], name: str) -> RunningPod:
    pod = pods[name]
    assert isinstance(pod, RunningPod), pod
    return pod


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_service_is_ready_and_live_on_its_probes(pods: dict[str, RunningPod | str], name: str) -> None:
    """/health/ready (database answers, consumers have partitions) and /health/live answer 200 at the probed paths."""
    pod = _running(pods, name)
    readiness = pod.probe_path("readinessProbe")
    became_ready = _answers_200(pod, readiness, pod.started_at + READY_WITHIN_S)
    ready = httpx.get(pod.url(readiness), timeout=5)
    assert became_ready, f"not ready within {READY_WITHIN_S} s: {ready.text}"
    assert ready.json()["database"] is True
    assert ready.json()["partitions"] > 0
    assert httpx.get(pod.url(pod.probe_path("livenessProbe")), timeout=5).status_code == 200


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_service_serves_prometheus_metrics(pods: dict[str, RunningPod | str], name: str) -> None:
    """The path Prometheus is told to scrape serves Prometheus text with the message, latency and DLQ metrics."""
    pod = _running(pods, name)
    metrics = httpx.get(pod.url(pod.metrics_path), timeout=5)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    for family in ("messages_in_total", "messages_out_total", "dlq_messages_total"):
        assert f"# TYPE dutywatch_{family} counter" in metrics.text, family
    assert "# TYPE dutywatch_handler_seconds histogram" in metrics.text


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_log_line_is_a_json_object_naming_the_service(pods: dict[str, RunningPod | str], name: str) -> None:
    """Log collectors get one JSON object per line, from the service and from its libraries (uvicorn, aiokafka)."""
    pod = _running(pods, name)
    lines = [line for line in pod.output().splitlines() if line.strip()]
    assert lines
    not_json = [line for line in lines if not line.startswith("{")]
    assert not_json == [], f"{len(not_json)} of {len(lines)} lines are not JSON"
    assert {json.loads(line).get("service") for line in lines} == {SERVICES[name][0]}


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_no_phone_number_is_logged_unmasked(pods: dict[str, RunningPod | str], name: str) -> None:
    """The roster's +86 numbers reach the logs only masked (`+86138****0001`)."""
    pod = _running(pods, name)
    assert UNMASKED_PHONE.findall(pod.output()) == []


def test_sigterm_stops_every_service_cleanly_within_the_grace_period(pods: dict[str, RunningPod | str]) -> None:
    """On SIGTERM each running service runs its shutdown (consumers, timers, relay) and exits before the kill."""
    running = [pod for pod in pods.values() if isinstance(pod, RunningPod)]
    assert running, pods
    for pod in running:
        pod.process.send_signal(signal.SIGTERM)
    for pod in running:
        # uvicorn re-raises the SIGTERM it handled once its shutdown is done, so -SIGTERM is a clean exit too.
        assert pod.process.wait(timeout=STOPPED_WITHIN_S) in {0, -signal.SIGTERM}, pod.output()[-4000:]
        assert "Application shutdown complete." in pod.output(), pod.output()[-4000:]
