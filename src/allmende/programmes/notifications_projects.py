"""What projects tell their teams, mentors and staff."""

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

MODULE = _("Projects")

PROJECT_STARTED = register(
    NotificationType(
        key="programmes.project_started",
        module=MODULE,
        label=_("Project started"),
        description=_("When your accepted application becomes a project."),
        message=_("Your project %(project)s has started."),
        default=Channel.IMMEDIATE,
    )
)

PROJECT_STATUS = register(
    NotificationType(
        key="programmes.project_status",
        module=MODULE,
        label=_("Status of a project"),
        description=_("When your project is completed or discontinued."),
        message=_("The status of your project %(project)s has changed."),
        default=Channel.APP,
    )
)

MENTORSHIP_PROPOSED = register(
    NotificationType(
        key="programmes.mentorship_proposed",
        module=MODULE,
        label=_("Request to mentor a project"),
        description=_("When the team asks you to accompany a project."),
        message=_("You are asked to mentor the project %(project)s."),
        default=Channel.IMMEDIATE,
    )
)

MENTOR_JOINED = register(
    NotificationType(
        key="programmes.mentor_joined",
        module=MODULE,
        label=_("New mentor"),
        description=_("When a mentor starts to accompany your project."),
        message=_("A mentor now accompanies your project %(project)s."),
        default=Channel.APP,
    )
)

MILESTONE_PLANNED = register(
    NotificationType(
        key="programmes.milestone_planned",
        module=MODULE,
        label=_("New milestone"),
        description=_("When a milestone is added to your project."),
        message=_("A milestone has been added to your project %(project)s."),
        default=Channel.APP,
    )
)

MILESTONE_DUE = register(
    NotificationType(
        key="programmes.milestone_due",
        module=MODULE,
        label=_("Milestone due soon"),
        description=_("When a milestone of your project is due within a week."),
        message=_("The milestone %(milestone)s of %(project)s is due on %(due_on)s."),
        default=Channel.IMMEDIATE,
    )
)

MILESTONE_OVERDUE = register(
    NotificationType(
        key="programmes.milestone_overdue",
        module=MODULE,
        label=_("Milestone overdue"),
        description=_("When a milestone of a project you work on is overdue."),
        message=_(
            "The milestone %(milestone)s of %(project)s was due on %(due_on)s "
            "and has no report yet."
        ),
        default=Channel.IMMEDIATE,
    )
)

MILESTONE_REPORTED = register(
    NotificationType(
        key="programmes.milestone_reported",
        module=MODULE,
        label=_("Milestone report"),
        description=_("When a project you mentor reports on a milestone."),
        message=_("The team of %(project)s has reported on a milestone."),
        default=Channel.IMMEDIATE,
    )
)

MILESTONE_REVIEWED = register(
    NotificationType(
        key="programmes.milestone_reviewed",
        module=MODULE,
        label=_("Milestone report reviewed"),
        description=_("When your milestone report is accepted or sent back."),
        message=_("Your milestone report for %(project)s has been reviewed."),
        default=Channel.APP,
    )
)

RESULT_PUBLISHED = register(
    NotificationType(
        key="programmes.result_published",
        module=MODULE,
        label=_("Project result published"),
        description=_("When a dataset of your project is published in the catalog."),
        message=_("A result of %(project)s has been published in the catalog."),
        default=Channel.APP,
    )
)
