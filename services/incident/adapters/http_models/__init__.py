"""The HTTP API's request and response bodies, by noun (the intake body is the `ReportIncident` contract itself)."""

from services.incident.adapters.http_models.accounts import AccountOut
from services.incident.adapters.http_models.handovers import HandoverOut, SignatureOut, SignIn
from services.incident.adapters.http_models.incidents import (
    CloseIn,
    IncidentDetail,
    IncidentOut,
    IntakeOut,
    MergeIn,
    SplitIn,
)
from services.incident.adapters.http_models.reports import DraftOut, ReportIn, ReportOut, SignOffIn

__all__ = [
    "AccountOut",
    "CloseIn",
    "DraftOut",
    "HandoverOut",
    "IncidentDetail",
    "IncidentOut",
    "IntakeOut",
    "MergeIn",
    "ReportIn",
    "ReportOut",
    "SignIn",
    "SignOffIn",
    "SignatureOut",
    "SplitIn",
]
