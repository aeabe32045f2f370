"""The dispatcher of CKAN's Action API: ``/api/3/action/<name>``.

It reads the parameters (query string, JSON body or multipart form), finds the
caller from the API token, runs the action and wraps the answer in CKAN's
envelope ``{"help", "success", "result" | "error"}`` with CKAN's status codes.

Only requests with a personal API token may write. A browser session is
enough to read what the person may see, but never to change anything, so a
page on another site cannot write through a visitor's cookies.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from allmende.accounts.services import api_token_user
from allmende.catalog.forms import upload_too_large_message
from allmende.catalog.views import announced_length_over_limit
from allmende.ckan import actions
from allmende.ckan import params as params_
from allmende.ckan.errors import (
    ActionError,
    BadRequest,
    NotAuthorized,
    NotFound,
    ValidationFailed,
)
from allmende.ckan.packages import validation_errors

logger = logging.getLogger(__name__)

TOKEN_SCHEMES = ("bearer", "token")


def _token(request: HttpRequest) -> str | None:
    """The API token of the request: raw, ``Bearer <token>`` or ``X-CKAN-API-Key``."""
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _sep, rest = header.partition(" ")
        if rest and scheme.lower() in TOKEN_SCHEMES:
            return rest.strip()
        return header
    key = request.headers.get("X-CKAN-API-Key", "").strip()
    return key or None


def _decoded(value: str) -> Any:
    """CKAN also takes lists and objects JSON-encoded in a parameter."""
    text = value.strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def _from_form(data: QueryDict) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in data:
        values = data.getlist(key)
        params[key] = (
            _decoded(values[0]) if len(values) == 1 else [_decoded(v) for v in values]
        )
    return params


def _params(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":
        return _from_form(request.GET)
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        params = _from_form(request.POST)
        params.update({key: request.FILES[key] for key in request.FILES})
        return params
    body = request.body
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadRequest(f"JSON Error: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest(
            f"JSON Error: Request data JSON decoded to {str(data)[:100]!r} "
            "but it needs to be a dictionary."
        )
    return data


def _refuse_large_body(request: HttpRequest) -> None:
    """Refuse an upload by its announced size, before the body is read."""
    length = announced_length_over_limit(request)
    if length:
        raise ValidationFailed({"upload": [upload_too_large_message(length)]})


def _help_url(request: HttpRequest, name: str) -> str:
    base = request.build_absolute_uri(
        reverse("ckan:action", kwargs={"name": "help_show"})
    )
    return f"{base}?name={name}"


def _envelope(
    request: HttpRequest, name: str, status: int, payload: dict[str, Any]
) -> JsonResponse:
    response = JsonResponse(
        {"help": _help_url(request, name), **payload},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def action(request: HttpRequest, name: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return _envelope(
            request,
            name,
            405,
            {
                "success": False,
                "error": BadRequest(
                    _("Use GET to read and POST to read or change.")
                ).body(),
            },
        )
    try:
        found = actions.ACTIONS.get(name)
        if found is None:
            raise BadRequest(f"Action name not known: {name}")
        if request.method == "GET" and not found.read_only:
            raise BadRequest(
                "JSON Error: "
                + _("Invalid request. Please use the POST method for this action.")
            )
        _refuse_large_body(request)
        params = _params(request)
        params_.refuse_nul(params)
        token = _token(request)
        if token is not None:
            user = api_token_user(token)
            if user is None:
                raise NotAuthorized(_("The API token is unknown or revoked."))
            viewer: Any = user
        else:
            viewer = request.user
        if not found.read_only and token is None:
            if viewer.is_authenticated:
                raise NotAuthorized(
                    _("Changes through the API need an API token in the header.")
                )
            raise NotAuthorized(_("You must send an API token to do this."))
        context = actions.Context(request=request, viewer=viewer or AnonymousUser())
        result = found.function(context, params)
    except ActionError as exc:
        return _envelope(
            request, name, exc.status, {"success": False, "error": exc.body()}
        )
    except PermissionDenied as exc:
        denied = NotAuthorized(str(exc) or _("You are not allowed to do this."))
        return _envelope(
            request, name, denied.status, {"success": False, "error": denied.body()}
        )
    except Http404:
        missing = NotFound(_("This does not exist or you may not see it."))
        return _envelope(
            request, name, missing.status, {"success": False, "error": missing.body()}
        )
    except ValidationError as exc:
        failed = ValidationFailed(validation_errors(exc))
        return _envelope(
            request, name, failed.status, {"success": False, "error": failed.body()}
        )
    return _envelope(request, name, 200, {"success": True, "result": result})
