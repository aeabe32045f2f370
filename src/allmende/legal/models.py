from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LegalPage(models.TextChoices):
    """The pages every installation must publish; the value is the URL slug."""

    IMPRINT = "impressum", _("Legal notice")
    PRIVACY = "datenschutz", _("Privacy notice")
    ACCESSIBILITY = "barrierefreiheit", _("Accessibility statement")


class LegalText(models.Model):
    """One version of a legal page, in German and English (Markdown).

    Each save by staff adds a row with the next version number; older rows are
    kept, so it stays known which privacy notice a person accepted.
    """

    page = models.CharField(_("page"), max_length=20, choices=LegalPage.choices)
    version = models.PositiveIntegerField(_("version"))
    body_de = models.TextField(_("text (German)"), max_length=100_000)
    body_en = models.TextField(_("text (English)"), max_length=100_000, blank=True)
    created_at = models.DateTimeField(_("saved on"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("legal text")
        verbose_name_plural = _("legal texts")
        ordering = ["page", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "version"], name="legal_text_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="legal_text_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_page_display()} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "legal:version", kwargs={"page": self.page, "version": self.version}
        )


class AccessibilityFeedback(models.Model):
    """A barrier someone reported through the accessibility statement."""

    created_at = models.DateTimeField(_("received on"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    page_url = models.CharField(_("page concerned"), max_length=500, blank=True)
    message = models.TextField(_("message"), max_length=5000)

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.message[:60]}"
