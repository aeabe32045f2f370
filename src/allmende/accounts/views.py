from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts import selectors, services
from allmende.accounts.forms import (
    ApiTokenForm,
    DeleteAccountForm,
    PeopleFilterForm,
    ProfileForm,
)
from allmende.accounts.models import ApiToken
from allmende.accounts.utils import request_user


@require_safe
def people(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    q = skill = ""
    if form.is_valid():
        q = form.cleaned_data["q"]
        skill = form.cleaned_data["skill"]
    paginator = Paginator(
        selectors.person_list(viewer=request.user, q=q, skill=skill),
        settings.ALLMENDE_DIRECTORY_PAGE_SIZE,
    )
    return render(
        request,
        "accounts/people.html",
        {"form": form, "page": paginator.get_page(request.GET.get("page"))},
    )


@require_safe
def person(request: HttpRequest, username: str) -> HttpResponse:
    found = selectors.person_detail(viewer=request.user, username=username)
    if found is None:
        raise Http404
    return render(request, "accounts/person.html", {"person": found})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            services.profile_update(actor=user, **form.cleaned_data)
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
        user.refresh_from_db()
    else:
        form = ProfileForm(instance=user)
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    data = services.user_export_data(user=user)
    filename = f"allmende-{user.username}-{timezone.now():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.user_delete(actor=user)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                logout(request)
                messages.success(request, _("Your account has been deleted."))
                return redirect("home")
    else:
        form = DeleteAccountForm(user=user)
    return render(
        request,
        "accounts/delete.html",
        {"form": form, "export_url": reverse("accounts:export")},
    )


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: create one (its secret is shown once), list, revoke."""
    user = request_user(request)
    secret = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                _token, secret = services.api_token_create(
                    actor=user, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True),
        },
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    services.api_token_revoke(actor=user, token=token)
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:api_tokens")
