from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "ALLMENDE_OPEN_SIGNUP", True))
