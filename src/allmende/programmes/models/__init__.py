"""Calls for data projects, their versioned application forms and applications."""

from allmende.programmes.models.applications import (
    Application,
    ApplicationFile,
    ApplicationState,
)
from allmende.programmes.models.calls import Call, CallState, Eligibility
from allmende.programmes.models.forms import FieldKind, FormField, FormVersion

__all__ = [
    "Application",
    "ApplicationFile",
    "ApplicationState",
    "Call",
    "CallState",
    "Eligibility",
    "FieldKind",
    "FormField",
    "FormVersion",
]
