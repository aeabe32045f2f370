"""Every change to the handbook: pages saved as revisions, sent to review,
approved or sent back, restored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from allmende.core.search import index_object, unindex_object
from allmende.core.services import audit_log_record
from allmende.knowledge.models import (
    REVIEWER_GROUP,
    Book,
    Chapter,
    Page,
    PageRevision,
    PageState,
)
from allmende.knowledge.models.handbook import SYSTEM, page_transition_allowed
from allmende.knowledge.rules import page_roles
from allmende.notifications.services import notify

if TYPE_CHECKING:
    from allmende.accounts.models import User


def page_index(page: Page) -> None:
    """Index what readers see: the published revision, or nothing."""
    revision = page.published_revision
    if revision is None:
        unindex_object(page)
        return
    index_object(page, title=revision.title, body=f"{page.book.title} {revision.body}")


# Addresses inside a book that are pages of their own.
RESERVED_SLUGS = frozenset({"new", "print"})


def _unique_slug(book: Book, title: str) -> str:
    base = slugify(title)[:90] or "seite"
    slug, counter = base, 2
    while slug in RESERVED_SLUGS or Page.objects.filter(book=book, slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _add_revision(
    page: Page, *, actor: User | None, title: str, body: str, message: str
) -> PageRevision:
    last = page.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = PageRevision(
        page=page,
        number=last + 1,
        title=title.strip(),
        body=body,
        message=message.strip(),
        author=actor,
    )
    revision.full_clean()
    revision.save()
    return revision


def _require_editor(actor: User) -> None:
    if not actor.has_perm("knowledge.edit_guide"):
        raise PermissionDenied(_("Only the handbook's editors change its pages."))


@transaction.atomic
def page_create(
    *,
    actor: User,
    chapter: Chapter,
    title: str,
    body: str,
    message: str = "",
) -> Page:
    """A new page, a draft with its first revision."""
    _require_editor(actor)
    page = Page(
        book=chapter.book,
        chapter=chapter,
        slug=_unique_slug(chapter.book, title),
        title=title.strip(),
        position=(chapter.pages.aggregate(last=Max("position"))["last"] or 0) + 1,
    )
    page.full_clean()
    page.save()
    _add_revision(page, actor=actor, title=title, body=body, message=message)
    audit_log_record(actor=actor, action="guide.created", obj=page)
    return page


@transaction.atomic
def page_save(
    *, actor: User, page: Page, title: str, body: str, message: str = ""
) -> PageRevision:
    """Keep a new revision; a published page becomes a draft again while
    readers still see the published revision."""
    _require_editor(actor)
    page = Page.objects.select_for_update().get(pk=page.pk)
    if page.state == PageState.IN_REVIEW:
        raise ValidationError(
            _("The page is in review. Withdraw it from review to change it.")
        )
    revision = _add_revision(page, actor=actor, title=title, body=body, message=message)
    if page_transition_allowed(page.state, PageState.DRAFT, {SYSTEM}):
        page.state = PageState.DRAFT
    page.title = revision.title
    page.full_clean()
    page.save()
    audit_log_record(
        actor=actor,
        action="guide.saved",
        obj=page,
        data={"revision": revision.number},
    )
    return revision


@transaction.atomic
def page_restore(*, actor: User, page: Page, revision: PageRevision) -> PageRevision:
    """Make an old revision the newest again (as a new revision)."""
    if revision.page_id != page.pk:
        raise ValidationError(_("This revision belongs to another page."))
    return page_save(
        actor=actor,
        page=page,
        title=revision.title,
        body=revision.body,
        message=_("Restored revision %(number)s") % {"number": revision.number},
    )


def _reviewers() -> Q:
    return Q(is_staff=True) | Q(groups__name=REVIEWER_GROUP)


@transaction.atomic
def page_transition(*, actor: User, page: Page, target: str, comment: str = "") -> Page:
    """Send a draft to review, send it back or withdraw it, or approve it, as
    the page's transition table allows."""
    page = Page.objects.select_for_update().select_related("book").get(pk=page.pk)
    source = page.state
    if not page_transition_allowed(source, target, page_roles(actor)):
        raise PermissionDenied(_("You are not allowed to do this."))
    now = timezone.now()
    if target == PageState.IN_REVIEW:
        page.submitted_by = actor
        page.review_comment = ""
    elif target == PageState.DRAFT:
        page.review_comment = comment.strip()
    elif target == PageState.PUBLISHED:
        page.published_revision = page.revisions.order_by("-number").first()
        page.published_at = now
        page.last_reviewed_at = now
        page.review_due_on = page.default_review_due()
        page.review_comment = ""
    page.state = target
    page.full_clean()
    page.save()
    audit_log_record(
        actor=actor,
        action="guide.state_changed",
        obj=page,
        data={"from": source, "to": target},
    )
    context = {"title": page.title}
    if target == PageState.IN_REVIEW:
        notify(
            "knowledge.guide_submitted",
            get_user_model().objects.filter(_reviewers()).distinct(),
            obj=page,
            actor=actor,
            context=context,
        )
    elif page.submitted_by_id is not None and page.submitted_by_id != actor.pk:
        notify(
            "knowledge.guide_reviewed",
            page.submitted_by,
            obj=page,
            actor=actor,
            context={
                **context,
                "outcome": _("published")
                if target == PageState.PUBLISHED
                else _("sent back: %(comment)s") % {"comment": page.review_comment},
            },
        )
    if target == PageState.PUBLISHED:
        page_index(page)
    return page


@transaction.atomic
def page_confirm_current(*, actor: User, page: Page) -> Page:
    """A reviewer checked a published page and found it still right."""
    if not actor.has_perm("knowledge.review_guide") or not page.is_public:
        raise PermissionDenied(_("You are not allowed to do this."))
    page = Page.objects.select_for_update().get(pk=page.pk)
    page.last_reviewed_at = timezone.now()
    page.review_due_on = page.default_review_due()
    page.save(update_fields=["last_reviewed_at", "review_due_on", "updated_at"])
    audit_log_record(actor=actor, action="guide.confirmed", obj=page)
    return page
