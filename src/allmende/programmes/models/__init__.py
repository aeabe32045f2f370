"""Calls for data projects, their versioned application forms and applications."""

from allmende.programmes.models.applications import (
    Application,
    ApplicationFile,
    ApplicationState,
)
from allmende.programmes.models.calls import Call, CallState, Eligibility
from allmende.programmes.models.decisions import DecisionTemplate
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
from allmende.programmes.models.reviews import (
    OthersVisible,
    Recommendation,
    Review,
    ReviewCriterion,
    Reviewer,
    ReviewPhase,
    ReviewState,
    Score,
)
from allmende.programmes.models.team import (
    ApplicationComment,
    ApplicationRevision,
    CoApplicant,
    CoApplicantRole,
)

__all__ = [
    "AccompanimentArea",
    "Application",
    "ApplicationComment",
    "ApplicationFile",
    "ApplicationRevision",
    "ApplicationState",
    "Call",
    "CallState",
    "CoApplicant",
    "CoApplicantRole",
    "DecisionTemplate",
    "Consultation",
    "Eligibility",
    "FieldKind",
    "FormField",
    "FormVersion",
    "OthersVisible",
    "Recommendation",
    "Review",
    "ReviewCriterion",
    "ReviewPhase",
    "ReviewState",
    "Reviewer",
    "Score",
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
