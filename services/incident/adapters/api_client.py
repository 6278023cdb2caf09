"""A small client of the incident HTTP API, for the CLI."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["ApiError", "IncidentClient"]


class ApiError(Exception):
    """The service answered with an error, or could not be reached; the message says which and why."""


class IncidentClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self._base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s
        )

    def report(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/incidents", json=body))

    def incidents(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self._call("GET", "/incidents", params={k: v for k, v in params.items() if v is not None}))

    def show(self, incident_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/incidents/{incident_id}"))

    def file(self, incident_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", f"/incidents/{incident_id}/reports", json=body))

    def close(self, incident_id: str, closed_by: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/incidents/{incident_id}/close", json={"closed_by": closed_by}))

    def merge(self, incident_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", f"/incidents/{incident_id}/merge", json=body))

    def split(self, incident_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", f"/incidents/{incident_id}/split", json=body))

    def handovers(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self._call("GET", "/handovers", params={k: v for k, v in params.items() if v is not None}))

    def accountability(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self._call("GET", "/accountability", params={k: v for k, v in params.items() if v is not None}))

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ApiError(f"cannot reach the incident service at {self._base_url}: {error}") from None
        if response.is_error:
            raise ApiError(f"{response.status_code}: {_detail(response)}")
        return response.json()


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text
    if isinstance(detail, list):
        return "; ".join(f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg')}" for item in detail)
    return str(detail)
