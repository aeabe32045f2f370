"""Experience reports: organizations tell others how a tool worked for them.

A member of an organization drafts a report, an administrator of that
organization publishes it, staff can take it down again. Readers mark a
report as helpful, once each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ContentLanguage(models.TextChoices):
    DE = "de", _("German")
    EN = "en", _("English")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Taken down by the programme")


R = ReportState

# Who acts on a report: a member of its organization, an administrator of it,
# or the programme's staff.
MEMBER = "member"
ORG_ADMIN = "org_admin"
STAFF = "staff"

# The state machine of a report: every allowed change and who may make it.
REPORT_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (R.DRAFT, R.PUBLISHED): frozenset({ORG_ADMIN}),
    (R.PUBLISHED, R.DRAFT): frozenset({ORG_ADMIN}),
    (R.PUBLISHED, R.UNPUBLISHED): frozenset({STAFF}),
    (R.UNPUBLISHED, R.DRAFT): frozenset({ORG_ADMIN}),
}
# States in which the organization may still change the text.
EDITABLE_STATES = frozenset({R.DRAFT, R.UNPUBLISHED})


def report_transition_allowed(source: str, target: str, roles: set[str]) -> bool:
    return bool(roles & REPORT_TRANSITIONS.get((source, target), frozenset()))


class Report(models.Model):
    """What an organization tried, what worked and what did not."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="knowledge_reports",
        verbose_name=_("organization"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_reports",
    )
    title = models.CharField(_("title"), max_length=160)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ContentLanguage.choices,
        default=ContentLanguage.DE,
    )
    summary = models.CharField(_("summary in one or two sentences"), max_length=300)
    tried = models.TextField(
        _("what we tried, and what for"), max_length=10000, blank=True
    )
    worked = models.TextField(_("what worked"), max_length=10000, blank=True)
    did_not_work = models.TextField(
        _("what did not work"), max_length=10000, blank=True
    )
    effort = models.TextField(_("effort and cost"), max_length=4000, blank=True)
    tips = models.TextField(_("tips for others"), max_length=10000, blank=True)
    tools = models.ManyToManyField(
        "knowledge.Tool",
        verbose_name=_("tools"),
        related_name="reports",
        blank=True,
    )
    focus_areas = models.ManyToManyField(
        "core.FocusArea",
        verbose_name=_("focus areas"),
        related_name="knowledge_reports",
        blank=True,
    )
    state = models.CharField(
        _("status"), max_length=20, choices=ReportState.choices, default=R.DRAFT
    )
    takedown_reason = models.TextField(
        _("reason for taking it down"), max_length=2000, blank=True
    )
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    # Kept equal to the number of votes by the voting service (one statement
    # in the vote's transaction), so the list sorts without counting.
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("experience report")
        verbose_name_plural = _("experience reports")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=R.values), name="report_state_known"
            ),
            models.CheckConstraint(
                condition=~Q(state=R.PUBLISHED) | Q(published_at__isnull=False),
                name="report_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(language__in=ContentLanguage.values),
                name="report_language_known",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-helpful_count", "-published_at"]),
            models.Index(fields=["state", "-published_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:report_detail", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.state == R.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class ReportVote(models.Model):
    """One reader found one report helpful."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("helpful vote")
        verbose_name_plural = _("helpful votes")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], name="reportvote_one_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.report_id}"


class ToolUse(models.Model):
    """An organization says on its profile that it uses a tool."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="tool_uses",
    )
    tool = models.ForeignKey(
        "knowledge.Tool", on_delete=models.CASCADE, related_name="uses"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tool in use")
        verbose_name_plural = _("tools in use")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "tool"], name="tooluse_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} uses {self.tool_id}"


class SuggestionState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Taken up")
    DECLINED = "declined", _("Not taken up")


class ToolSuggestion(models.Model):
    """An organization suggests a new tool or a change of an entry; staff and
    editors take it up (by editing the directory) or not."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="tool_suggestions",
        verbose_name=_("organization"),
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty for a new tool; the entry to change otherwise.
    tool = models.ForeignKey(
        "knowledge.Tool",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("tool to change"),
    )
    name = models.CharField(_("name of the tool"), max_length=100, blank=True)
    homepage_url = models.URLField(_("homepage"), max_length=500, blank=True)
    text = models.TextField(_("your suggestion"), max_length=4000)
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=SuggestionState.choices,
        default=SuggestionState.OPEN,
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tool suggestion")
        verbose_name_plural = _("tool suggestions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tool__isnull=False) | ~Q(name=""),
                name="toolsuggestion_names_a_tool",
            ),
            models.CheckConstraint(
                condition=Q(state__in=SuggestionState.values),
                name="toolsuggestion_state_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.tool_id)
