"""Pages of the handbook: books, pages, their history and review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts.utils import request_user
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import previous_result, submission_key, submit_once
from allmende.knowledge import selectors
from allmende.knowledge.forms import (
    DiffForm,
    PageCreateForm,
    PageForm,
    ReviewCommentForm,
)
from allmende.knowledge.handbook import diff_lines, render_page
from allmende.knowledge.models import Book, Page, PageRevision, PageState
from allmende.knowledge.models.handbook import page_transition_allowed
from allmende.knowledge.rules import page_roles
from allmende.knowledge.services import handbook as services


def _page(book: str, page: str) -> Page:
    found = selectors.page_for(book=book, page=page)
    if found is None:
        raise Http404
    return found


def _editor(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("knowledge.edit_guide"))


@require_safe
def guide_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/guide_index.html",
        {
            "books": selectors.books(),
            "pages": selectors.new_pages(limit=6),
            "reports": selectors.new_reports(limit=6),
        },
    )


@require_safe
def book_detail(request: HttpRequest, book: str) -> HttpResponse:
    found = get_object_or_404(Book.objects.select_related("counterpart"), slug=book)
    return render(
        request,
        "knowledge/book_detail.html",
        {
            "book": found,
            "contents": selectors.book_contents(book=found, viewer=request.user),
            "can_edit": _editor(request),
        },
    )


@require_safe
def book_print(request: HttpRequest, book: str) -> HttpResponse:
    """The whole book's published text on one page, for printing."""
    found = get_object_or_404(Book, slug=book)
    chapters = []
    for chapter, pages in selectors.book_contents(book=found, viewer=AnonymousUser()):
        rendered = [
            (page, render_page(page.published_revision.body)[0])
            for page in pages
            if page.published_revision is not None
        ]
        chapters.append((chapter, rendered))
    return render(
        request, "knowledge/book_print.html", {"book": found, "chapters": chapters}
    )


@require_safe
def page_detail(request: HttpRequest, book: str, page: str) -> HttpResponse:
    found = _page(book, page)
    editor = _editor(request)
    show_draft = editor and (request.GET.get("draft") == "1" or not found.is_public)
    if show_draft:
        revision = found.revisions.order_by("-number").first()
    else:
        revision = found.published_revision
    if revision is None:
        raise Http404
    html, headings = render_page(revision.body)
    roles = page_roles(request.user)
    counterpart = found.counterpart
    return render(
        request,
        "knowledge/page_detail.html",
        {
            "page": found,
            "book": found.book,
            "revision": revision,
            "html": html,
            "headings": headings,
            "showing_draft": show_draft,
            "has_newer_draft": found.is_public and found.state != PageState.PUBLISHED,
            "can_edit": editor and found.state != PageState.IN_REVIEW,
            "can_submit": page_transition_allowed(
                found.state, PageState.IN_REVIEW, roles
            ),
            "can_review": found.state == PageState.IN_REVIEW
            and page_transition_allowed(found.state, PageState.PUBLISHED, roles),
            "can_withdraw": page_transition_allowed(
                found.state, PageState.DRAFT, roles
            ),
            "can_confirm": found.is_public
            and request.user.has_perm("knowledge.review_guide"),
            "comment_form": ReviewCommentForm(),
            "counterpart": counterpart
            if counterpart is not None and counterpart.is_public
            else None,
            "counterpart_newer": counterpart is not None
            and counterpart.published_at is not None
            and found.published_at is not None
            and counterpart.published_at > found.published_at,
        },
    )


@login_required
def page_create(request: HttpRequest, book: str) -> HttpResponse:
    user = request_user(request)
    found = get_object_or_404(Book, slug=book)
    if not user.has_perm("knowledge.edit_guide"):
        raise PermissionDenied
    if request.method == "POST":
        form = PageCreateForm(request.POST, book=found)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data = form.cleaned_data
            try:
                url = submit_once(
                    key=data["submission_key"],
                    user=user,
                    create=lambda: services.page_create(
                        actor=user,
                        chapter=data["chapter"],
                        title=data["title"],
                        body=data["body"],
                        message=data["message"],
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The page has been saved as a draft."))
                return redirect(url)
    else:
        form = PageCreateForm(book=found)
    return render(request, "knowledge/page_form.html", {"form": form, "book": found})


@login_required
def page_edit(request: HttpRequest, book: str, page: str) -> HttpResponse:
    user = request_user(request)
    found = _page(book, page)
    if not user.has_perm("knowledge.edit_guide"):
        raise PermissionDenied
    latest = found.revisions.order_by("-number").first()
    if request.method == "POST":
        form = PageForm(request.POST)
        if form.is_valid():
            try:
                services.page_save(
                    actor=user,
                    page=found,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    message=form.cleaned_data["message"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Saved as a new revision. Readers see the published "
                        "text until a reviewer approves the change."
                    ),
                )
                return redirect(f"{found.get_absolute_url()}?draft=1")
    else:
        form = PageForm(
            initial={
                "title": latest.title if latest else found.title,
                "body": latest.body if latest else "",
            }
        )
    return render(
        request,
        "knowledge/page_form.html",
        {"form": form, "book": found.book, "page": found},
    )


@require_safe
def page_history(request: HttpRequest, book: str, page: str) -> HttpResponse:
    found = _page(book, page)
    if not found.is_public and not _editor(request):
        raise Http404
    revisions = list(selectors.page_revisions(page=found))
    diff = None
    form = DiffForm(request.GET or None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            by_number = {revision.number: revision for revision in revisions}
            older = by_number.get(form.cleaned_data["a"])
            newer = by_number.get(form.cleaned_data["b"])
            if older is None or newer is None:
                form.add_error(None, _("This page has no revision with that number."))
                status = 400
            else:
                diff = (older, newer, diff_lines(older.body, newer.body))
        else:
            status = 400
    elif len(revisions) >= 2:
        form = DiffForm(initial={"a": revisions[1].number, "b": revisions[0].number})
    return render(
        request,
        "knowledge/page_history.html",
        {
            "page": found,
            "book": found.book,
            "revisions": revisions,
            "form": form,
            "diff": diff,
            "can_restore": _editor(request) and found.state != PageState.IN_REVIEW,
        },
        status=status,
    )


@login_required
@require_POST
def page_restore(
    request: HttpRequest, book: str, page: str, number: int
) -> HttpResponse:
    found = _page(book, page)
    revision = get_object_or_404(PageRevision, page=found, number=number)
    try:
        services.page_restore(
            actor=request_user(request), page=found, revision=revision
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("knowledge:page_history", book=book, page=page)
    messages.success(
        request,
        _("Revision %(number)s is the newest again, as a draft.") % {"number": number},
    )
    return redirect(f"{found.get_absolute_url()}?draft=1")


TRANSITION_MESSAGES = {
    PageState.IN_REVIEW: gettext_lazy("The change has been sent to review."),
    PageState.DRAFT: gettext_lazy("The change is a draft again."),
    PageState.PUBLISHED: gettext_lazy("The change is published."),
}


@login_required
@require_POST
def page_transition(
    request: HttpRequest, book: str, page: str, target: str
) -> HttpResponse:
    if target not in PageState.values:
        raise Http404
    found = _page(book, page)
    form = ReviewCommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    services.page_transition(
        actor=request_user(request), page=found, target=target, comment=comment
    )
    messages.success(request, str(TRANSITION_MESSAGES[PageState(target)]))
    return redirect(found)


@login_required
@require_POST
def page_confirm(request: HttpRequest, book: str, page: str) -> HttpResponse:
    found = _page(book, page)
    services.page_confirm_current(actor=request_user(request), page=found)
    messages.success(request, _("The page counts as checked today."))
    return redirect(found)
