from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.accounts.selectors import person_shown

register = template.Library()


@register.simple_tag(takes_context=True)
def person_name(context: dict[str, Any], person: User | None) -> str:
    """``person``'s name if the viewer may see who it is, else "A member"."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is not None and person_shown(person, viewer):
        return str(person)
    return _("A member")
