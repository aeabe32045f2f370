"""What the organizations module tells people.

A decision on an organization's verification is mandatory for its
administrators: they asked for it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

MODULE = _("Organizations")

VERIFICATION_REQUESTED = register(
    NotificationType(
        key="organizations.verification_requested",
        module=MODULE,
        label=_("Verification requested"),
        description=_("When an organization asks the staff to verify it."),
        message=_("%(organization)s asks to be verified."),
        default=Channel.IMMEDIATE,
    )
)
VERIFIED = register(
    NotificationType(
        key="organizations.verified",
        module=MODULE,
        label=_("Organization verified"),
        description=_("When staff verify an organization you administer."),
        message=_("%(organization)s has been verified."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)
VERIFICATION_DECLINED = register(
    NotificationType(
        key="organizations.verification_declined",
        module=MODULE,
        label=_("Verification declined"),
        description=_("When staff decline to verify an organization you administer."),
        message=_("The verification of %(organization)s was declined: %(reason)s"),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)
INVITATION_ACCEPTED = register(
    NotificationType(
        key="organizations.invitation_accepted",
        module=MODULE,
        label=_("Invitation accepted"),
        description=_("When someone accepts your invitation to join an organization."),
        message=_(
            "%(person)s has accepted your invitation and joined %(organization)s."
        ),
        default=Channel.APP,
    )
)
JOIN_REQUESTED = register(
    NotificationType(
        key="organizations.join_requested",
        module=MODULE,
        label=_("Request to join"),
        description=_("When someone asks to join an organization you administer."),
        message=_("%(person)s asks to join %(organization)s."),
        default=Channel.IMMEDIATE,
    )
)
JOIN_ACCEPTED = register(
    NotificationType(
        key="organizations.join_accepted",
        module=MODULE,
        label=_("Request to join accepted"),
        description=_("When an organization accepts your request to join it."),
        message=_("You are now a member of %(organization)s."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)
JOIN_DECLINED = register(
    NotificationType(
        key="organizations.join_declined",
        module=MODULE,
        label=_("Request to join declined"),
        description=_("When an organization declines your request to join it."),
        message=_("%(organization)s has declined your request to join."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)
