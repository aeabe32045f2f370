"""The signing widget: pages other websites may show in an ``<iframe>``.

Only these pages may be framed (``frame-ancestors *``; every other page says
``DENY``), and they load nothing from another host. Inside a frame on another
site the platform's CSRF cookie is a third-party cookie that browsers hold
back, so the widget's form is protected without cookies instead: the POST
must come from a document of the platform's own origin (its ``Origin``
header, which browsers always send with a POST and a page cannot forge), and
carry a signed, dated form key issued with the form. The double opt-in by
POST stays the guard against signatures in someone else's name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from allmende.campaigns import selectors, services
from allmende.campaigns.forms import SignatureForm
from allmende.campaigns.models import Campaign
from allmende.core.middleware import content_security_policy
from allmende.core.ratelimit import client_ip
from allmende.core.site import site_url

FORM_KEY_SALT = "allmende.campaigns.embed"
FORM_KEY_MAX_AGE = 6 * 60 * 60
# The rendered widget is kept this long; with the counters' own delay the
# counts it shows are at most 10 seconds old.
CACHE_SECONDS = 5


def frame_policy() -> str:
    """The page policy with one change: any site may frame the page."""
    return content_security_policy(settings.ALLMENDE_MAP_TILE_URL).replace(
        "frame-ancestors 'none'", "frame-ancestors *"
    )


def frameable(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Let other sites frame the response of ``view`` (and no other page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = request.GET.get("lang", "")
        known = {code for code, _name in settings.LANGUAGES}
        if language not in known:
            language = translation.get_language() or str(settings.LANGUAGE_CODE)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = frame_policy()
        # A page in someone else's frame sends no address of the platform's
        # pages to other sites.
        response["Referrer-Policy"] = "same-origin"
        return response

    return xframe_options_exempt(wrapper)


def form_key(campaign: Campaign) -> str:
    return signing.TimestampSigner(salt=FORM_KEY_SALT).sign(str(campaign.pk))


def form_key_valid(campaign: Campaign, key: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=FORM_KEY_SALT).unsign(
            key, max_age=FORM_KEY_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return value == str(campaign.pk)


def same_origin(request: HttpRequest) -> bool:
    """Whether the POST comes from a page of the platform itself."""
    own = f"{request.scheme}://{request.get_host()}"
    trusted = {own, *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in trusted
    # Browsers that send no Origin send the Referer of the framed page.
    referer = urlsplit(request.headers.get("Referer", ""))
    return f"{referer.scheme}://{referer.netloc}" in trusted


def _campaign(slug: str) -> Campaign | None:
    return selectors.public_campaigns().filter(slug=slug).first()


def _widget(
    request: HttpRequest,
    campaign: Campaign,
    form: SignatureForm | None = None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    language = translation.get_language()
    return render(
        request,
        "campaigns/embed.html",
        {
            "campaign": campaign,
            "counts": selectors.counts(campaign=campaign),
            "is_open": campaign.is_open(),
            "form": form or SignatureForm(auto_id="widget-%s"),
            "form_key": form_key(campaign),
            "error": error,
            "language": language,
            "campaign_url": site_url(request) + campaign.get_absolute_url(),
        },
        status=status,
    )


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/embed_missing.html", status=404)


@require_safe
@frameable
def widget(request: HttpRequest, slug: str) -> HttpResponse:
    """The widget for an ``<iframe>``; the same page for every visitor, kept
    in the cache for a few seconds."""
    key = f"allmende:campaigns:embed:{slug}:{translation.get_language()}"
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return HttpResponse(cached)
    campaign = _campaign(slug)
    if campaign is None:
        return _not_found(request)
    response = _widget(request, campaign)
    cache.set(key, response.content, CACHE_SECONDS)
    return response


@csrf_exempt
@require_POST
@frameable
def widget_sign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    if campaign is None:
        return _not_found(request)
    form = SignatureForm(request.POST, auto_id="widget-%s")
    if not same_origin(request) or not form_key_valid(
        campaign, request.POST.get("form_key", "")
    ):
        return _widget(
            request,
            campaign,
            form,
            error=translation.gettext(
                "The form has expired. Please fill it in again and send it."
            ),
            status=403,
        )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.signature_create(
                campaign=campaign,
                name=data["name"],
                email=data["email"],
                postcode=data["postcode"],
                name_public=data["name_public"],
                ip=client_ip(request),
            )
        except services.TooManyAttempts:
            return render(
                request,
                "campaigns/embed_message.html",
                {
                    "campaign": campaign,
                    "too_many": True,
                    "campaign_url": site_url(request) + campaign.get_absolute_url(),
                },
                status=429,
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {}).items():
                form.add_error(field if field in form.fields else None, errors)
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc.messages)
        else:
            url = reverse("campaigns:embed_check_mail", kwargs={"slug": slug})
            query = urlencode({"lang": translation.get_language()})
            return redirect(f"{url}?{query}")
    return _widget(request, campaign, form, status=400)


@require_safe
@frameable
def widget_check_mail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    if campaign is None:
        return _not_found(request)
    return render(
        request,
        "campaigns/embed_message.html",
        {
            "campaign": campaign,
            "campaign_url": site_url(request) + campaign.get_absolute_url(),
        },
    )


def snippet(request: HttpRequest, campaign: Campaign) -> str:
    """The HTML another site copies to show the widget."""
    url = site_url(request) + reverse("campaigns:embed", kwargs={"slug": campaign.slug})
    language = translation.get_language() or "de"
    title = translation.gettext("Sign: %(title)s") % {"title": campaign.title}
    return (
        f'<iframe src="{url}?lang={language}" title="{escape(title)}" '
        'width="100%" height="720" style="border:0;max-width:40rem" '
        'loading="lazy"></iframe>'
    )
