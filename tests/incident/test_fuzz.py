"""Schemathesis against the service's own OpenAPI document, in-process: no body, query or path gives a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.incident.served import prepared_app


def test_no_request_gets_a_server_error(tmp_path: Path) -> None:
    """Whatever the body, query or path of any operation, the API answers below 500."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", prepared_app(tmp_path))
    # schemathesis' own pytest loader (`from_fixture`) breaks on pytest 9, so each operation's strategy is run here.
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {"/incidents", "/incidents/{incident_id}/reports"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_below_500(case: Any) -> None:
            response = case.call(headers={"Authorization": "Bearer admin-token"})
            assert response.status_code < 500, (
                f"{case.method} {case.path}: {response.status_code} {response.text[:500]}"
            )

        answers_below_500()
