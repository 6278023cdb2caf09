"""The lines at the end of the output: whether kubectl rendered the overlays, which Strimzi checks were skipped or
passed over for want of the CRDs, and why any other test was skipped.

Written by the root conftest's summary, which runs where the output is printed: with pytest-xdist that is the
controlling process, which loads no test directory's conftest and runs no test, so what a worker passed over
reaches it in the reports' `user_properties` (UNCHECKED_PROPERTY).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from tests.deploy.manifests import kubectl
from tests.deploy.strimzi_validation import StrimziCrdsMissingError

__all__ = ["KUBECTL_MISSING", "UNCHECKED_PROPERTY", "deploy_summary_lines", "skip_summary_lines"]

KUBECTL_MISSING = (
    "deploy: kubectl is not on PATH, so the overlays were NOT rendered with `kubectl kustomize`; "
    "the checks ran on the base's files instead"
)
UNCHECKED_PROPERTY = "strimzi_unchecked"


def deploy_summary_lines(stats: Mapping[str, Iterable[Any]]) -> list[str]:
    """The lines for the end of the output, from the reports pytest gathered (`TerminalReporter.stats`)."""
    binary = kubectl()
    lines = [f"deploy: overlays rendered with `{binary} kustomize`" if binary else KUBECTL_MISSING]
    reports = [report for kind in ("passed", "failed", "skipped") for report in stats.get(kind, [])]
    skipped = [report.nodeid for report in stats.get("skipped", []) if _for_strimzi(report)]
    unchecked = {
        resource
        for report in reports
        for name, value in getattr(report, "user_properties", [])
        if name == UNCHECKED_PROPERTY
        for resource in value
    }
    if skipped or unchecked:
        lines.append(
            f"deploy: Strimzi checks SKIPPED, {StrimziCrdsMissingError()}; "
            f"skipped: {', '.join(skipped) or 'none'}; "
            f"not validated against their CRD: {', '.join(sorted(unchecked)) or 'none'}"
        )
    return lines


def skip_summary_lines(stats: Mapping[str, Iterable[Any]]) -> list[str]:
    """One line for each other reason tests were skipped (a browser or a server not there), with how many."""
    reasons = Counter(
        str(report.longrepr[2]).removeprefix("Skipped: ")
        for report in stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and not _for_strimzi(report)
    )
    return [f"SKIPPED {count} tests: {reason}" for reason, count in sorted(reasons.items())]


def _for_strimzi(report: Any) -> bool:
    return isinstance(report.longrepr, tuple) and "Strimzi CRDs" in str(report.longrepr[2])
