"""What calls and applications tell people."""

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

MODULE = _("Calls and applications")

APPLICATION_RECEIVED = register(
    NotificationType(
        key="programmes.application_received",
        module=MODULE,
        label=_("Application received"),
        description=_("When you submit an application (the receipt)."),
        message=_("Your application to %(call)s has been received."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)

APPLICATION_QUESTION = register(
    NotificationType(
        key="programmes.application_question",
        module=MODULE,
        label=_("Question about an application"),
        description=_("When the team needs more information about your application."),
        message=_("The team has a question about your application to %(call)s."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)

APPLICATION_DECIDED = register(
    NotificationType(
        key="programmes.application_decided",
        module=MODULE,
        label=_("Decision on an application"),
        description=_("When the team decides on your application."),
        message=_("The team has decided on your application to %(call)s."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)

APPLICATION_STATUS = register(
    NotificationType(
        key="programmes.application_status",
        module=MODULE,
        label=_("Status of an application"),
        description=_("When your application moves on, for example into review."),
        message=_("Your application to %(call)s has moved to the next step."),
        default=Channel.APP,
    )
)

CO_APPLICANT_INVITED = register(
    NotificationType(
        key="programmes.co_applicant_invited",
        module=MODULE,
        label=_("Invitation to an application"),
        description=_("When someone invites you to write an application with them."),
        message=_("You have been invited to the application to %(call)s."),
        default=Channel.IMMEDIATE,
    )
)

REVIEW_ASSIGNED = register(
    NotificationType(
        key="programmes.review_assigned",
        module=MODULE,
        label=_("Review assigned"),
        description=_("When the team asks you to review applications."),
        message=_("You have been asked to review applications to %(call)s."),
        default=Channel.IMMEDIATE,
    )
)

REVIEW_REMINDER = register(
    NotificationType(
        key="programmes.review_reminder",
        module=MODULE,
        label=_("Review reminder"),
        description=_("When the deadline of a review you have not finished is near."),
        message=_("Your review for %(call)s is due on %(deadline)s."),
        default=Channel.IMMEDIATE,
    )
)

REVIEW_REOPENED = register(
    NotificationType(
        key="programmes.review_reopened",
        module=MODULE,
        label=_("Review reopened"),
        description=_("When the team reopens a review you submitted."),
        message=_("The team has reopened your review for %(call)s."),
        default=Channel.IMMEDIATE,
    )
)
