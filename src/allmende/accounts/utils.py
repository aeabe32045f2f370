from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from allmende.accounts.models import User


def request_user(request: HttpRequest) -> User:
    """The logged-in user of a request to a view that requires login."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
