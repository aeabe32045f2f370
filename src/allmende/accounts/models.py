from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allmende.core.models import Term


class Skill(Term):
    """Something a person can do; used to match mentors and reviewers."""

    class Meta(Term.Meta):
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class User(AbstractUser):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        REGISTERED = "registered", _("Registered users")
        HIDDEN = "hidden", _("Only me")

    display_name = models.CharField(
        _("name shown to others"), max_length=150, blank=True
    )
    bio = models.TextField(_("about me"), blank=True, max_length=2000)
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), blank=True, related_name="people"
    )
    interests = models.ManyToManyField(
        "core.FocusArea", verbose_name=_("interests"), blank=True, related_name="people"
    )
    profile_visibility = models.CharField(
        _("who sees my profile"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.REGISTERED,
    )
    # The version of the privacy notice the person accepted at sign-up or read
    # after it changed (see allmende.legal); empty while none was stored.
    privacy_notice_version = models.PositiveIntegerField(
        _("privacy notice version accepted"), null=True, blank=True
    )
    privacy_notice_accepted_at = models.DateTimeField(
        _("privacy notice accepted on"), null=True, blank=True
    )
    # The language notifications and e-mails reach the person in: chosen on the
    # profile, else the language of the site at the first login.
    language = models.CharField(
        _("language for messages"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Notifications and e-mails reach you in this language."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:person", kwargs={"username": self.username})

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 hash is stored; the token itself
    is shown once, when it is created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
