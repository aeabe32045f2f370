"""Forms that are safe to send twice.

A form that creates something carries a hidden random ``submission_key``
(:class:`SubmissionKeyField`). :func:`submit_once` runs the creating service and
records the key in the same transaction; a second request with the same key
(a double click, a reload after a slow answer) does not create anything again but
is redirected to where the first one led. The unique constraint on the key makes
this hold for requests that arrive at the same moment, too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from allmende.core.models import Submission

if TYPE_CHECKING:
    from allmende.accounts.models import User


class SubmissionKeyField(forms.UUIDField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)  # type: ignore[arg-type]


def previous_result(key: uuid.UUID | None, user: User | AnonymousUser) -> str | None:
    """Where an earlier submission with ``key`` by ``user`` led, if there was one."""
    if key is None:
        return None
    submission = Submission.objects.filter(key=key).first()
    if submission is None:
        return None
    if submission.user_id is not None and submission.user_id != user.pk:
        return None
    return submission.result_url


def submit_once(
    *,
    key: uuid.UUID,
    user: User | AnonymousUser,
    create: Callable[[], str],
) -> str:
    """Run ``create`` (which returns the URL to go to) unless ``key`` was used.

    Returns the URL of whichever request committed first.
    """
    earlier = previous_result(key, user)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            url = create()
            Submission.objects.create(
                key=key,
                user=None if isinstance(user, AnonymousUser) else user,
                result_url=url,
            )
            return url
    except (IntegrityError, ValidationError):
        # The same submission may have committed meanwhile; then what failed
        # here is only the repetition (the name it created is now taken).
        earlier = previous_result(key, user)
        if earlier is None:
            raise
        return earlier


def submission_key(request: HttpRequest) -> uuid.UUID | None:
    """The submission key a POSTed form carries, if it is a valid one."""
    try:
        return uuid.UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None
