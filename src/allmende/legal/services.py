"""Every change of the legal pages: new versions, acceptance, feedback."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.core.services import audit_log_record
from allmende.legal import selectors
from allmende.legal.defaults import DEFAULT_TEXTS
from allmende.legal.models import AccessibilityFeedback, LegalPage, LegalText
from allmende.legal.notifications import BARRIER_REPORTED
from allmende.notifications.services import notify, staff_users

logger = logging.getLogger(__name__)

# Set at login when the privacy notice changed since the person accepted it;
# :class:`allmende.legal.middleware.PrivacyNoticeMiddleware` then shows it.
PRIVACY_NOTICE_PENDING = "legal.privacy_notice_pending"


def _next_version(page: LegalPage) -> int:
    latest = LegalText.objects.filter(page=page).aggregate(Max("version"))
    return int(latest["version__max"] or 0) + 1


def _create_version(
    *, actor: User | None, page: LegalPage, body_de: str, body_en: str
) -> LegalText:
    text = LegalText(
        page=page,
        version=_next_version(page),
        body_de=body_de,
        body_en=body_en,
        created_by=actor,
    )
    text.full_clean()
    try:
        with transaction.atomic():
            text.save()
    except IntegrityError:
        # Someone saved the same page at the same moment: take the next number.
        text.version = _next_version(page)
        text.save()
    audit_log_record(
        actor=actor,
        action="legal_text.saved",
        obj=text,
        data={"page": page, "version": text.version},
    )
    return text


@transaction.atomic
def legal_text_save(
    *, actor: User, page: LegalPage, body_de: str, body_en: str
) -> LegalText:
    """Save a new version of ``page``; an unchanged text makes no new version."""
    if not actor.has_perm("legal.change_legaltext"):
        raise PermissionDenied(_("You are not allowed to do this."))
    body_de, body_en = body_de.strip(), body_en.strip()
    current = selectors.legal_text_current(page)
    if (
        current is not None
        and current.body_de == body_de
        and current.body_en == body_en
    ):
        return current
    return _create_version(actor=actor, page=page, body_de=body_de, body_en=body_en)


@transaction.atomic
def legal_texts_create_defaults() -> list[LegalText]:
    """Store the template texts as version 1 of each page that has none."""
    created = []
    for page in LegalPage:
        if LegalText.objects.filter(page=page).exists():
            continue
        body_de, body_en = DEFAULT_TEXTS[page]
        created.append(
            _create_version(actor=None, page=page, body_de=body_de, body_en=body_en)
        )
    return created


@transaction.atomic
def privacy_notice_accept(*, user: User, version: int | None) -> User:
    """Record that ``user`` accepted (or has now read) version ``version``."""
    user.privacy_notice_version = version
    user.privacy_notice_accepted_at = timezone.now()
    user.save(update_fields=["privacy_notice_version", "privacy_notice_accepted_at"])
    audit_log_record(
        actor=user,
        action="privacy_notice.accepted",
        obj=user,
        data={"version": version},
    )
    return user


def privacy_notice_check_at_login(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """Receiver of ``user_logged_in``: remember to show a changed notice once."""
    if request is None or not hasattr(request, "session"):
        return
    if selectors.privacy_notice_outdated(user):
        request.session[PRIVACY_NOTICE_PENDING] = True
    else:
        request.session.pop(PRIVACY_NOTICE_PENDING, None)


@transaction.atomic
def accessibility_feedback_create(
    *,
    actor: User | AnonymousUser,
    message: str,
    name: str = "",
    email: str = "",
    page_url: str = "",
) -> AccessibilityFeedback:
    """Keep a report about a barrier and tell the staff about it."""
    user = actor if isinstance(actor, User) else None
    feedback = AccessibilityFeedback(
        user=user,
        name=name.strip() or (user.public_name if user is not None else ""),
        email=email.strip() or (user.email if user is not None else ""),
        page_url=page_url.strip(),
        message=message.strip(),
    )
    feedback.full_clean()
    feedback.save()
    audit_log_record(
        actor=actor, action="accessibility_feedback.received", obj=feedback
    )
    _notify_staff(feedback, user)
    return feedback


def _notify_staff(feedback: AccessibilityFeedback, actor: User | None) -> None:
    """Tell the staff; the message names the sender's address, so that they can
    answer (``reply_to`` in the context, for a mail's Reply-To)."""
    recipients = staff_users()
    if not recipients.filter(is_active=True).exists():
        logger.warning("Accessibility feedback %s: no staff to tell.", feedback.pk)
    sender: str | dict[str, str]
    if feedback.email:
        sender = f"{feedback.name} <{feedback.email}>".strip()
    elif feedback.name:
        sender = feedback.name
    else:
        sender = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                sender[code] = _("anonymous")
    notify(
        BARRIER_REPORTED,
        recipients,
        obj=feedback,
        context={
            "sender": sender,
            "page": feedback.page_url or "–",
            "message": feedback.message,
            "reply_to": feedback.email,
        },
        actor=actor,
        url=reverse("legal:feedback_list"),
    )
