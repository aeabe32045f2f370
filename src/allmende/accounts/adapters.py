from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from allmende.core import ratelimit

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "ALLMENDE_OPEN_SIGNUP", True))

    def send_mail(
        self, template_prefix: str, email: str, context: dict[str, Any]
    ) -> None:
        """Send, unless a visitor who is not logged in asks for too many mails.

        Anyone can type someone else's address into the sign-up or password
        reset form. Such mails are counted per client and per address, and go
        out once per address and kind while the first one is still fresh; the
        page answers the same either way, so it reveals nothing.
        """
        request = self.request
        user = getattr(request, "user", None)
        if request is not None and not (user is not None and user.is_authenticated):
            if not ratelimit.once_per_window(
                f"account-mail:{template_prefix}",
                email,
                minutes=settings.ALLMENDE_CONFIRMATION_RESEND_MINUTES,
            ):
                logger.info("Mail not sent: the same mail went out a moment ago.")
                return
            if not ratelimit.mail_allowed(request, email):
                return
        super().send_mail(template_prefix, email, context)
