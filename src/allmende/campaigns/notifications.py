"""What the campaigns module can tell people."""

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

SIGNATURE_PROPOSED = register(
    NotificationType(
        key="campaigns.signature_proposed",
        module=_("Campaigns"),
        label=_("Co-signing proposed"),
        description=_(
            "When a member proposes that an organization you administer co-signs "
            "a campaign."
        ),
        message=_("%(person)s proposes that %(organization)s co-signs %(campaign)s."),
        default=Channel.IMMEDIATE,
    )
)

ORGANIZATION_SIGNED = register(
    NotificationType(
        key="campaigns.organization_signed",
        module=_("Campaigns"),
        label=_("Organization co-signed"),
        description=_("When an organization you belong to co-signs a campaign."),
        message=_("%(organization)s has co-signed %(campaign)s."),
        default=Channel.APP,
    )
)
