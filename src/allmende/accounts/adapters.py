from __future__ import annotations

import logging
import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.http import HttpRequest

from allmende.core import ratelimit

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "ALLMENDE_OPEN_SIGNUP", True))

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A login a moment ago counts as having just confirmed the password.

        django-allauth counts only an explicit "confirm your password" step, so
        staff who had to set up two-factor authentication right after logging
        in were asked for the password they had just typed.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        if request is None or not request.user.is_authenticated:
            return True
        records = get_authentication_records(request, request.user)
        if not records:
            return True
        age = time.time() - float(records[-1].get("at", 0))
        return not 0 <= age < account_settings.REAUTHENTICATION_TIMEOUT

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
