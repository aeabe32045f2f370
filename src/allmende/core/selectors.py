"""Reads that every module shares."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from allmende.core.models import ProgrammeText

DEFAULT_CLAIM = _("Digital and data work for civil society")
DEFAULT_TEXT = _(
    "Find organizations and people to work with, learn in events, share what you "
    "know, and make data useful for the common good."
)


def programme_text() -> ProgrammeText:
    """The programme's text as staff last saved it, else the defaults (unsaved)."""
    saved = ProgrammeText.objects.filter(pk=ProgrammeText.SINGLETON_PK).first()
    if saved is not None:
        return saved
    default = ProgrammeText(name_de=settings.SITE_NAME, name_en=settings.SITE_NAME)
    for code in ("de", "en"):
        with translation.override(code):
            setattr(default, f"claim_{code}", str(DEFAULT_CLAIM))
            setattr(default, f"text_{code}", str(DEFAULT_TEXT))
    return default
