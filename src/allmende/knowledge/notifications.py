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
