"""Reads of the legal pages: the text to show, its history, and feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from allmende.accounts.models import User
from allmende.core.translation import translated
from allmende.legal.defaults import DEFAULT_TEXTS
from allmende.legal.models import AccessibilityFeedback, LegalPage, LegalText


@dataclass(frozen=True)
class LegalContent:
    """The text of a legal page as it is shown: a stored version or the template."""

    page: LegalPage
    body_de: str
    body_en: str
    version: int | None = None
    saved_at: datetime | None = None

    @property
    def body(self) -> str:
        return translated(self, "body")

    @property
    def is_template(self) -> bool:
        return self.version is None


def legal_text_current(page: LegalPage) -> LegalText | None:
    return LegalText.objects.filter(page=page).order_by("-version").first()


def legal_content(page: LegalPage) -> LegalContent:
    """The newest version of ``page``, or the template while none is stored."""
    current = legal_text_current(page)
    if current is None:
        body_de, body_en = DEFAULT_TEXTS[page]
        return LegalContent(page=page, body_de=body_de, body_en=body_en)
    return LegalContent(
        page=page,
        body_de=current.body_de,
        body_en=current.body_en,
        version=current.version,
        saved_at=current.created_at,
    )


def legal_text_history(page: LegalPage) -> QuerySet[LegalText]:
    return (
        LegalText.objects.filter(page=page)
        .select_related("created_by")
        .order_by("-version")
    )


def privacy_notice_version() -> int | None:
    """The version of the privacy notice in force; ``None`` while none is stored."""
    return (
        LegalText.objects.filter(page=LegalPage.PRIVACY)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )


def privacy_notice_outdated(user: User) -> bool:
    """Whether ``user`` has not yet seen the privacy notice now in force."""
    current = privacy_notice_version()
    return current is not None and user.privacy_notice_version != current


def feedback_list(*, viewer: User | AnonymousUser) -> QuerySet[AccessibilityFeedback]:
    if not viewer.has_perm("legal.view_accessibilityfeedback"):
        return AccessibilityFeedback.objects.none()
    return AccessibilityFeedback.objects.select_related("user").order_by(
        "-created_at", "-id"
    )
