"""Calls for data projects, their versioned application forms and applications."""

from allmende.programmes.models.applications import (
    Application,
    ApplicationFile,
    ApplicationState,
)
from allmende.programmes.models.calls import Call, CallState, Eligibility
from allmende.programmes.models.forms import FieldKind, FormField, FormVersion
from allmende.programmes.models.projects import (
    AccompanimentArea,
    Consultation,
    Mentorship,
    MentorshipState,
    Milestone,
    MilestoneReport,
    MilestoneReportFile,
    MilestoneState,
    Project,
    ProjectResult,
    ProjectState,
    ResultKind,
)

__all__ = [
    "AccompanimentArea",
    "Application",
    "ApplicationFile",
    "ApplicationState",
    "Call",
    "CallState",
    "Consultation",
    "Eligibility",
    "FieldKind",
    "FormField",
    "FormVersion",
    "Mentorship",
    "MentorshipState",
    "Milestone",
    "MilestoneReport",
    "MilestoneReportFile",
    "MilestoneState",
    "Project",
    "ProjectResult",
    "ProjectState",
    "ResultKind",
]
