"""The handbook: books of chapters of pages, like BookStack.

Every save of a page keeps a :class:`PageRevision`. What readers see is the
page's ``published_revision``; a newer revision is a draft that editors send
to review and reviewers approve (it becomes the published one) or send back.
A page in German and its English counterpart form one translation set.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.knowledge.models.reports import ContentLanguage

# The reviewers: people in this group approve guide changes as staff do (the
# group is made by a migration).
REVIEWER_GROUP = "Knowledge reviewers"


class Book(models.Model):
    slug = models.SlugField(_("short name in addresses"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ContentLanguage.choices,
        default=ContentLanguage.DE,
    )
    # The same book in the other language.
    counterpart = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("translation"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("book")
        verbose_name_plural = _("books")
        ordering = ["position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=ContentLanguage.values),
                name="book_language_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:book_detail", kwargs={"book": self.slug})


class Chapter(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["book", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class PageState(models.TextChoices):
    # The latest revision is the published one: nothing waits.
    PUBLISHED = "published", _("Published")
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")


P = PageState

EDITOR = "editor"
REVIEWER = "reviewer"
SYSTEM = "system"

# The state machine of a page's working copy and who may make each change.
# "system" is a save by an editor (a new revision makes a published page a
# draft again).
PAGE_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (P.PUBLISHED, P.DRAFT): frozenset({SYSTEM}),
    (P.DRAFT, P.IN_REVIEW): frozenset({EDITOR}),
    (P.IN_REVIEW, P.DRAFT): frozenset({EDITOR, REVIEWER}),
    (P.IN_REVIEW, P.PUBLISHED): frozenset({REVIEWER}),
}


def page_transition_allowed(source: str, target: str, roles: set[str]) -> bool:
    return bool(roles & PAGE_TRANSITIONS.get((source, target), frozenset()))


class Page(models.Model):
    """A page of a book; its text lives in its revisions."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="pages")
    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.PROTECT,
        related_name="pages",
        verbose_name=_("chapter"),
    )
    slug = models.SlugField(_("short name in addresses"), max_length=100)
    # The title of the newest revision (readers see the published one's).
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    counterpart = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("translation"),
    )
    state = models.CharField(
        _("status"), max_length=20, choices=PageState.choices, default=P.DRAFT
    )
    published_revision = models.ForeignKey(
        "knowledge.PageRevision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    last_reviewed_at = models.DateTimeField(_("last checked on"), null=True, blank=True)
    review_due_on = models.DateField(_("review due on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("guide page")
        verbose_name_plural = _("guide pages")
        ordering = ["book", "chapter__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["book", "slug"], name="page_slug_unique"),
            models.CheckConstraint(
                condition=Q(state__in=P.values), name="page_state_known"
            ),
            models.CheckConstraint(
                condition=Q(published_revision__isnull=True)
                | Q(published_at__isnull=False),
                name="page_published_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["review_due_on"]),
            models.Index(fields=["-published_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "knowledge:page_detail",
            kwargs={"book": self.book.slug, "page": self.slug},
        )

    @property
    def is_public(self) -> bool:
        return self.published_revision_id is not None

    @property
    def review_overdue(self) -> bool:
        due = self.review_due_on
        return due is not None and due < timezone.localdate()

    def default_review_due(self) -> date:
        months = settings.ALLMENDE_KNOWLEDGE_REVIEW_MONTHS
        return (timezone.now() + timedelta(days=round(months * 30.44))).date()


class PageRevision(models.Model):
    """One saved state of a page, never changed afterwards."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), max_length=100000)
    message = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "number"], name="pagerevision_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.page_id} #{self.number}"
