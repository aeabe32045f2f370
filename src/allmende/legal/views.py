"""The legal pages, their editing by staff, and the accessibility feedback."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts.models import User
from allmende.accounts.utils import request_user
from allmende.core import ratelimit
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import submit_once
from allmende.legal import selectors, services
from allmende.legal.forms import AccessibilityFeedbackForm, LegalTextForm
from allmende.legal.models import LegalPage

View = Callable[..., HttpResponse]


def staff_only(view: View) -> View:
    """Log in first; then only those who may edit the legal pages (staff)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("legal.change_legaltext"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _page(slug: str) -> LegalPage:
    try:
        return LegalPage(slug)
    except ValueError:
        raise Http404 from None


def _public_url(page: LegalPage) -> str:
    return reverse(f"legal:{page.name.lower()}")


def _render_page(
    request: HttpRequest,
    page: LegalPage,
    *,
    feedback_form: AccessibilityFeedbackForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "page": page,
        "content": selectors.legal_content(page),
        "can_edit": request.user.has_perm("legal.change_legaltext"),
    }
    if page == LegalPage.ACCESSIBILITY:
        context["feedback_form"] = feedback_form or AccessibilityFeedbackForm(
            user=request.user if isinstance(request.user, User) else None
        )
    return render(request, "legal/page.html", context, status=status)


@require_safe
def page_view(request: HttpRequest, page: str) -> HttpResponse:
    return _render_page(request, _page(page))


@staff_only
def edit(request: HttpRequest, page: str) -> HttpResponse:
    legal_page = _page(page)
    content = selectors.legal_content(legal_page)
    form = LegalTextForm(
        request.POST or None,
        initial={"body_de": content.body_de, "body_en": content.body_en},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_text_save(
                actor=request_user(request),
                page=legal_page,
                body_de=form.cleaned_data["body_de"],
                body_en=form.cleaned_data["body_en"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The page has been saved."))
            return redirect(_public_url(legal_page))
    return render(
        request,
        "legal/edit.html",
        {
            "page": legal_page,
            "public_url": _public_url(legal_page),
            "content": content,
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@staff_only
@require_safe
def history(request: HttpRequest, page: str) -> HttpResponse:
    legal_page = _page(page)
    versions = Paginator(selectors.legal_text_history(legal_page), 50)
    return render(
        request,
        "legal/history.html",
        {
            "page": legal_page,
            "public_url": _public_url(legal_page),
            "versions": versions.get_page(request.GET.get("page")),
        },
    )


@staff_only
@require_safe
def version(request: HttpRequest, page: str, version: int) -> HttpResponse:
    legal_page = _page(page)
    text = selectors.legal_text_history(legal_page).filter(version=version).first()
    if text is None:
        raise Http404
    return render(request, "legal/version.html", {"page": legal_page, "text": text})


@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    user = request.user if isinstance(request.user, User) else None
    form = AccessibilityFeedbackForm(request.POST, user=user)
    page_url = reverse("legal:accessibility")
    if not form.is_valid():
        return _render_page(
            request, LegalPage.ACCESSIBILITY, feedback_form=form, status=400
        )
    thanks = _("Thank you. Your message has been passed on to the team.")
    if form.is_spam:
        messages.success(request, thanks)
        return redirect(page_url)
    if not ratelimit.mail_allowed(request, form.cleaned_data.get("email") or ""):
        form.add_error(None, _("Too many messages from here. Please try again later."))
        return _render_page(
            request, LegalPage.ACCESSIBILITY, feedback_form=form, status=429
        )

    def create() -> str:
        services.accessibility_feedback_create(
            actor=request.user,
            message=form.cleaned_data["message"],
            page_url=form.cleaned_data["page_url"],
            name=form.cleaned_data.get("name", ""),
            email=form.cleaned_data.get("email", ""),
        )
        return page_url

    try:
        url = submit_once(
            key=form.cleaned_data["submission_key"], user=request.user, create=create
        )
    except ValidationError as exc:
        add_validation_error(form, exc)
        return _render_page(
            request, LegalPage.ACCESSIBILITY, feedback_form=form, status=400
        )
    messages.success(request, thanks)
    return redirect(url)


@staff_only
@require_safe
def feedback_list(request: HttpRequest) -> HttpResponse:
    entries = Paginator(selectors.feedback_list(viewer=request.user), 50)
    return render(
        request,
        "legal/feedback_list.html",
        {"entries": entries.get_page(request.GET.get("page"))},
    )


@login_required
def acknowledge(request: HttpRequest) -> HttpResponse:
    """Show the privacy notice that changed since the person last accepted it."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    if request.method == "POST":
        services.privacy_notice_accept(
            user=request_user(request), version=selectors.privacy_notice_version()
        )
        request.session.pop(services.PRIVACY_NOTICE_PENDING, None)
        return redirect(next_url)
    return render(
        request,
        "legal/acknowledge.html",
        {"content": selectors.legal_content(LegalPage.PRIVACY), "next": next_url},
    )
