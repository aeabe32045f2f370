"""What the accounts module tells people about the security of their account.

The mails of sign-up, log-in, password and e-mail address stay with allauth;
these are the changes Allmende makes itself. Both are mandatory: a person
must hear of a new key to their account even if they switched everything off.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

MODULE = _("Account")

API_TOKEN_CREATED = register(
    NotificationType(
        key="accounts.api_token_created",
        module=MODULE,
        label=_("API token created"),
        description=_("When an API token is created for your account."),
        message=_(
            "The API token “%(name)s” was created for your account. If this was "
            "not you, revoke it and change your password."
        ),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)
API_TOKEN_REVOKED = register(
    NotificationType(
        key="accounts.api_token_revoked",
        module=MODULE,
        label=_("API token revoked"),
        description=_("When the staff revoke one of your API tokens."),
        message=_("The staff revoked your API token “%(name)s”."),
        default=Channel.IMMEDIATE,
        mandatory=True,
    )
)
