"""What accounts add to the navigation and the dashboard."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section


def dashboard(request: HttpRequest) -> Section | None:
    """Ask the person to confirm the addresses not confirmed yet."""
    unconfirmed = list(
        EmailAddress.objects.filter(user_id=request.user.pk, verified=False)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if not unconfirmed:
        return None
    return Section(
        title=_("Confirm your e-mail address"),
        template="accounts/sections/dashboard.html",
        context={"unconfirmed": unconfirmed},
        urgent=True,
    )


MODULE = Module(
    key="people",
    label=_("People"),
    url_name="accounts:people",
    icon="user",
    order=80,
    dashboard=dashboard,
)
