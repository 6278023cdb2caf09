"""The image: a pinned slim Python base, the locked dependencies, a non-root user, `dutywatch service`."""

from __future__ import annotations

import fnmatch

from services import SERVICE_NAMES as CLI_SERVICES
from tests.deploy.dockerfile import exec_form, instructions, stages
from tests.deploy.manifests import REPO_ROOT
from tests.deploy.workloads import SERVICES

DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"


def _runs(keyword: str = "RUN") -> list[str]:
    return [instruction.arguments for instruction in instructions(DOCKERFILE) if instruction.keyword == keyword]


def test_every_base_image_is_a_pinned_slim_python_311() -> None:
    """Each FROM is python:3.11.<patch>-slim…, never `latest` nor an unpinned minor."""
    bases = [stage[0].arguments.split()[0] for stage in stages(DOCKERFILE)]
    assert bases
    for base in bases:
        repository, _, tag = base.partition(":")
        assert repository == "python"
        assert tag.startswith("3.11.") and "-slim" in tag, base


def test_the_runtime_lock_is_installed_with_hashes_then_the_package_without_dependencies() -> None:
    """pip installs requirements-runtime.lock with --require-hashes, and the project itself with --no-deps."""
    runs = _runs()
    assert any("--require-hashes" in run and "-r requirements-runtime.lock" in run for run in runs)
    assert any("pip install --no-deps ." in run for run in runs)
    lock_step = next(i for i, run in enumerate(runs) if "--require-hashes" in run)
    package_step = next(i for i, run in enumerate(runs) if "--no-deps" in run)
    assert lock_step < package_step


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    """The last USER of the final stage is a numeric non-zero uid, matching the pods' runAsUser."""
    final = stages(DOCKERFILE)[-1]
    users = [instruction.arguments for instruction in final if instruction.keyword == "USER"]
    assert users
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) == 10001


def test_the_entrypoint_is_dutywatch_service_for_every_deployed_service() -> None:
    """ENTRYPOINT is `dutywatch service`; each Deployment passes a service name the CLI knows, on an exposed port."""
    assert exec_form(_runs("ENTRYPOINT")[-1]) == ["dutywatch", "service"]
    exposed = {int(port) for arguments in _runs("EXPOSE") for port in arguments.split()}
    for argument, port, _prefix in SERVICES.values():
        assert argument in CLI_SERVICES
        assert port in exposed


def _included(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes."""
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, body) or path.startswith(body + "/"):
            included = negated
    return included


def test_the_dockerignore_sends_only_what_the_image_needs() -> None:
    """The build context holds the lock, pyproject, schemas and services; never .venv, .git, tests or caches."""
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and line[0] != "#"]
    for needed in ("requirements-runtime.lock", "pyproject.toml", "schemas/topics.py", "services/cli.py"):
        assert _included(needed, patterns), needed
    for excluded in ("requirements.lock", ".venv/bin/python", ".git/HEAD", "tests/conftest.py", "var/incident.sqlite3", "deploy/Dockerfile"):
        assert not _included(excluded, patterns), excluded


def _pins(lock: str) -> dict[str, str]:
    lines = (REPO_ROOT / lock).read_text().splitlines()
    return dict(line.split(" ")[0].split("==") for line in lines if "==" in line and not line.startswith((" ", "#")))


def test_the_runtime_lock_has_no_test_or_lint_tools_and_the_dev_locks_versions() -> None:
    """The image's lock pins what runs, at the versions the tests ran with, and no pytest, ruff or mypy."""
    runtime, dev = _pins("requirements-runtime.lock"), _pins("requirements.lock")
    assert {"fastapi", "aiokafka", "sqlalchemy", "alembic"} <= runtime.keys()
    assert not {"pytest", "ruff", "mypy", "hypothesis", "playwright", "uv"} & runtime.keys()
    assert all(dev[name] == version for name, version in runtime.items())
