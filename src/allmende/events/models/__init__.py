"""Events, registrations and the academy.

The academy lives in this app rather than in one of its own: a course is a
series of events, and progress is attendance of those events, so the two share
their models, permissions and participants.
"""

from allmende.events.models.academy import (
    Course,
    CourseUnit,
    LearningPath,
    LearningPathCourse,
    PersonalPath,
    PersonalPathCourse,
    UnitCompletion,
)
from allmende.events.models.events import (
    ConsultationSeries,
    Event,
    EventFormat,
    EventStatus,
    EventType,
    Host,
    Level,
    Slot,
)
from allmende.events.models.proposals import EventProposal, ProposalState
from allmende.events.models.registrations import (
    CalendarToken,
    Registration,
    RegistrationState,
    SentReminder,
)

__all__ = [
    "CalendarToken",
    "ConsultationSeries",
    "Course",
    "CourseUnit",
    "Event",
    "EventFormat",
    "EventProposal",
    "EventStatus",
    "EventType",
    "Host",
    "LearningPath",
    "LearningPathCourse",
    "Level",
    "PersonalPath",
    "PersonalPathCourse",
    "ProposalState",
    "Registration",
    "RegistrationState",
    "SentReminder",
    "Slot",
    "UnitCompletion",
]
