"""What the knowledge hub tells people."""

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

TOOL_LINKS_BROKEN = register(
    NotificationType(
        key="knowledge.tool_links_broken",
        module=_("Knowledge"),
        label=_("Broken links in the tool directory"),
        description=_(
            "When the maintenance check finds that an address of a tool no "
            "longer works (staff and editors)."
        ),
        message=_("Addresses of %(tool)s no longer work: %(links)s."),
        default=Channel.APP,
    )
)

REPORT_TAKEN_DOWN = register(
    NotificationType(
        key="knowledge.report_taken_down",
        module=_("Knowledge"),
        label=_("Experience report taken down"),
        description=_(
            "When the programme takes down a report of your organization "
            "(organization administrators)."
        ),
        message=_("The report “%(title)s” was taken down: %(reason)s"),
        default=Channel.APP,
    )
)

GUIDE_SUBMITTED = register(
    NotificationType(
        key="knowledge.guide_submitted",
        module=_("Knowledge"),
        label=_("Guide page waiting for review"),
        description=_(
            "When an editor sends a change of a handbook page to review "
            "(reviewers and staff)."
        ),
        message=_("“%(title)s” waits for your review."),
        default=Channel.APP,
    )
)

GUIDE_REVIEWED = register(
    NotificationType(
        key="knowledge.guide_reviewed",
        module=_("Knowledge"),
        label=_("Your guide change was reviewed"),
        description=_("When a reviewer publishes or sends back your change."),
        message=_("Your change of “%(title)s” was %(outcome)s"),
        default=Channel.APP,
    )
)

SERVICE_REQUESTED = register(
    NotificationType(
        key="knowledge.service_requested",
        module=_("Knowledge"),
        label=_("New request for a hosted service"),
        description=_("When an organization requests a hosted service (staff)."),
        message=_("%(organization)s requests %(service)s."),
        default=Channel.APP,
    )
)

SERVICE_REQUEST_CHANGED = register(
    NotificationType(
        key="knowledge.service_request_changed",
        module=_("Knowledge"),
        label=_("Your service request changed"),
        description=_(
            "When your organization's request for a hosted service moves on "
            "(organization administrators)."
        ),
        message=_("Your request for %(service)s: %(state)s."),
        default=Channel.APP,
    )
)

CODE_OF_CONDUCT_CHANGED = register(
    NotificationType(
        key="knowledge.code_of_conduct_changed",
        module=_("Knowledge"),
        label=_("New code of conduct of a service"),
        description=_(
            "When a service your organization uses has a new code of conduct "
            "to accept (organization administrators)."
        ),
        message=_(
            "%(service)s has a new code of conduct; please accept it within "
            "%(days)s days."
        ),
        default=Channel.APP,
    )
)

TOOL_SUGGESTED = register(
    NotificationType(
        key="knowledge.tool_suggested",
        module=_("Knowledge"),
        label=_("Tool suggested by an organization"),
        description=_(
            "When an organization suggests a new tool or a change of an entry "
            "(staff and editors)."
        ),
        message=_("%(organization)s suggests: %(tool)s."),
        default=Channel.APP,
    )
)
