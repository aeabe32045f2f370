"""Every change to hosted services and organizations' requests for them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.core import http
from allmende.core.services import audit_log_record
from allmende.core.tasks import enqueue
from allmende.knowledge.models import (
    AccessState,
    CodeOfConduct,
    HostedService,
    Provisioner,
    ServiceRequest,
    WebhookDelivery,
)
from allmende.knowledge.models.hosting import (
    HOLDING_STATES,
    ORG_ADMIN,
    STAFF,
    SYSTEM,
    access_transition_allowed,
)
from allmende.knowledge.rules import organization_roles
from allmende.notifications.services import notify, organization_admins

if TYPE_CHECKING:
    from allmende.accounts.models import User
    from allmende.organizations.models import Organization

logger = logging.getLogger(__name__)

USER_AGENT = "Allmende (service provisioning)"


class ServiceRequestData(TypedDict):
    purpose: str
    expected_users: int
    contact_name: str
    contact_email: str


def current_code(service: HostedService) -> CodeOfConduct | None:
    return service.codes_of_conduct.order_by("-version").first()


def access_roles(actor: User | None, request: ServiceRequest) -> set[str]:
    if actor is None:
        return {SYSTEM}
    roles = organization_roles(actor, request.organization)
    # The workflow's roles: an administrator of the organization, or staff.
    return {role for role in roles if role in (ORG_ADMIN, STAFF)}


@transaction.atomic
def service_request_create(
    *,
    actor: User,
    service: HostedService,
    organization: Organization,
    data: ServiceRequestData,
    accepted_code: CodeOfConduct,
) -> ServiceRequest:
    """An administrator of ``organization`` asks for access to ``service``,
    accepting its current code of conduct."""
    if ORG_ADMIN not in organization_roles(actor, organization):
        raise PermissionDenied(
            _("Only administrators of the organization request services.")
        )
    service = HostedService.objects.select_for_update().get(pk=service.pk)
    if not service.is_open:
        raise ValidationError(_("This service accepts no requests at the moment."))
    if service.requires_verified and not organization.is_verified:
        raise ValidationError(
            _("Only verified organizations can request this service.")
        )
    code = current_code(service)
    if code is None or accepted_code.pk != code.pk:
        raise ValidationError(
            {
                "accept_code": _(
                    "The code of conduct has changed; please read and accept "
                    "the current version."
                )
            }
        )
    request = ServiceRequest(
        service=service,
        organization=organization,
        requested_by=actor,
        code_of_conduct=code,
        code_accepted_at=timezone.now(),
        purpose=data["purpose"].strip(),
        expected_users=data["expected_users"],
        contact_name=data["contact_name"].strip(),
        contact_email=data["contact_email"].strip(),
    )
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ValidationError(
            _("Your organization already has an open request for this service.")
        ) from None
    audit_log_record(
        actor=actor,
        action="service_request.created",
        obj=request,
        data={"code_of_conduct": code.version},
    )
    notify(
        "knowledge.service_requested",
        get_user_model().objects.filter(is_staff=True),
        obj=request,
        actor=actor,
        context={"service": service.name, "organization": organization.name},
    )
    return request


def _capacity_left(service: HostedService) -> int | None:
    if service.capacity is None:
        return None
    holding = service.requests.filter(state__in=sorted(HOLDING_STATES)).count()
    return service.capacity - holding


@transaction.atomic
def service_request_transition(
    *,
    actor: User | None,
    request: ServiceRequest,
    target: str,
    reason: str = "",
    access_details: str = "",
) -> ServiceRequest:
    """Move a request as the transition table allows ``actor`` (``None`` is
    the provisioning job); the organization's administrators are told."""
    # The service row first: approvals of one service take turns, so the
    # capacity is counted by one at a time.
    service = HostedService.objects.select_for_update().get(pk=request.service_id)
    request = (
        ServiceRequest.objects.select_for_update()
        .select_related("organization")
        .get(pk=request.pk)
    )
    source = request.state
    if not access_transition_allowed(source, target, access_roles(actor, request)):
        raise PermissionDenied(_("You are not allowed to do this."))
    if target == AccessState.APPROVED:
        left = _capacity_left(service)
        if left is not None and left <= 0:
            raise ValidationError(
                _("The service is full: no more organizations can be admitted.")
            )
    if target == AccessState.DECLINED:
        if not reason.strip():
            raise ValidationError({"reason": _("Please give a reason.")})
        request.decline_reason = reason.strip()
    if target == AccessState.ACTIVE and source == AccessState.PROVISIONING:
        if actor is not None and not access_details.strip():
            raise ValidationError(
                {"access_details": _("Please enter the access details.")}
            )
        if access_details.strip():
            request.access_details = access_details.strip()
        request.active_since = timezone.now()
    if target == AccessState.ENDED:
        request.ended_at = timezone.now()
    request.state = target
    request.full_clean(validate_constraints=False)
    request.save()
    audit_log_record(
        actor=actor,
        action="service_request.state_changed",
        obj=request,
        data={"from": source, "to": target},
    )
    notify(
        "knowledge.service_request_changed",
        organization_admins(request.organization),
        obj=request,
        actor=actor,
        context={
            "service": service.name,
            "state": str(AccessState(target).label),
        },
    )
    if target == AccessState.APPROVED:
        from allmende.knowledge.tasks import provision_service_request

        enqueue(provision_service_request, request.pk)
    return request


def signature(secret: str, body: bytes) -> str:
    """The value of the signature header: HMAC-SHA256 of the body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def service_request_provision(*, request_id: int) -> str:
    """Set up an approved request through its service's provisioner; the
    state it is left in.

    Safe to run twice: the state moves only from ``approved`` (under a row
    lock), a webhook is sent under one delivery id per request, and a
    delivered message is not sent again.
    """
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request_id)
        if request.state == AccessState.APPROVED:
            request = service_request_transition(
                actor=None, request=request, target=AccessState.PROVISIONING
            )
    if request.state != AccessState.PROVISIONING:
        return str(request.state)
    service = request.service
    if service.provisioner != Provisioner.WEBHOOK:
        return str(request.state)  # staff finish it by hand
    delivery, _created = WebhookDelivery.objects.get_or_create(
        request=request, event="provision"
    )
    if delivery.delivered_at is None:
        answer = _deliver(service, request, delivery)
        if answer is None:
            return str(request.state)
    else:
        answer = {}
    details = answer.get("access_details", "")
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request_id)
        if request.state == AccessState.PROVISIONING:
            request = service_request_transition(
                actor=None,
                request=request,
                target=AccessState.ACTIVE,
                access_details=str(details)[:4000] if details else "",
            )
    return str(request.state)


# The answer of the receiver is read up to this size (it may carry access
# details as JSON).
ANSWER_BYTES = 64 * 1024


def _deliver(
    service: HostedService, request: ServiceRequest, delivery: WebhookDelivery
) -> dict[str, Any] | None:
    """Send the provisioning message, retrying with growing pauses; the
    receiver's JSON answer, or ``None`` when every attempt failed."""
    body = json.dumps(
        {
            "delivery_id": str(delivery.delivery_id),
            "event": delivery.event,
            "service": service.slug,
            "request": request.pk,
            "organization": {
                "id": request.organization_id,
                "name": request.organization.name,
            },
            "contact": {"name": request.contact_name, "email": request.contact_email},
            "expected_users": request.expected_users,
        },
        sort_keys=True,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Allmende-Delivery": str(delivery.delivery_id),
        "X-Allmende-Event": delivery.event,
        "X-Allmende-Signature": signature(service.webhook_secret, body),
    }
    attempts = settings.ALLMENDE_KNOWLEDGE_WEBHOOK_ATTEMPTS
    pause = settings.ALLMENDE_KNOWLEDGE_WEBHOOK_BACKOFF
    for attempt in range(attempts):
        if attempt:
            time.sleep(pause * 2 ** (attempt - 1))
        status: int | None = None
        error = ""
        answer: bytes = b""
        try:
            with http.Client(
                allow_private=settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES,
                timeout=settings.ALLMENDE_KNOWLEDGE_CHECK_TIMEOUT,
                total_seconds=settings.ALLMENDE_KNOWLEDGE_CHECK_TIMEOUT * 2,
                user_agent=USER_AGENT,
            ) as client:
                status, answer = http.post(
                    client,
                    service.webhook_url,
                    content=body,
                    headers=headers,
                    max_bytes=ANSWER_BYTES,
                )
        except http.FetchError as exc:
            error = str(exc)
        ok = status is not None and 200 <= status < 300
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts + attempt + 1,
            last_status=status,
            last_error=error or ("" if ok else f"HTTP {status}"),
            delivered_at=timezone.now() if ok else None,
        )
        if ok:
            try:
                parsed = json.loads(answer or b"{}")
            except ValueError:
                parsed = {}
            return parsed if isinstance(parsed, dict) else {}
        logger.warning(
            "Webhook %s for request %s failed: %s",
            delivery.delivery_id,
            request.pk,
            error or status,
        )
    return None


@transaction.atomic
def code_of_conduct_publish(
    *,
    actor: User,
    service: HostedService,
    text_de: str,
    text_en: str = "",
    accept_within_days: int = 30,
) -> CodeOfConduct:
    """A new version of a service's code of conduct; organizations with
    access are asked to accept it within ``accept_within_days``."""
    if not actor.is_staff:
        raise PermissionDenied(_("You are not allowed to do this."))
    service = HostedService.objects.select_for_update().get(pk=service.pk)
    last = service.codes_of_conduct.aggregate(last=Max("version"))["last"] or 0
    code = CodeOfConduct(
        service=service,
        version=last + 1,
        text_de=text_de,
        text_en=text_en,
        accept_within_days=accept_within_days,
    )
    code.full_clean()
    code.save()
    holding = ServiceRequest.objects.filter(
        service=service, state__in=sorted(HOLDING_STATES)
    )
    holding.update(reaccept_by=timezone.now() + timedelta(days=accept_within_days))
    audit_log_record(
        actor=actor,
        action="code_of_conduct.published",
        obj=service,
        data={"version": code.version},
    )
    for request in holding.select_related("organization"):
        notify(
            "knowledge.code_of_conduct_changed",
            organization_admins(request.organization),
            obj=request,
            actor=actor,
            context={"service": service.name, "days": accept_within_days},
        )
    return code


@transaction.atomic
def service_request_accept_code(
    *, actor: User, request: ServiceRequest, code: CodeOfConduct
) -> ServiceRequest:
    """An administrator accepts the service's current code of conduct again."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if ORG_ADMIN not in organization_roles(actor, request.organization):
        raise PermissionDenied(_("You are not allowed to do this."))
    current = current_code(request.service)
    if current is None or current.pk != code.pk:
        raise ValidationError(_("Please accept the current version."))
    request.code_of_conduct = current
    request.code_accepted_at = timezone.now()
    request.reaccept_by = None
    request.save(update_fields=["code_of_conduct", "code_accepted_at", "reaccept_by"])
    audit_log_record(
        actor=actor,
        action="service_request.code_accepted",
        obj=request,
        data={"code_of_conduct": current.version},
    )
    return request
