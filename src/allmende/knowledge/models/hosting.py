"""Services the programme runs for organizations (video conferencing, chat,
pads, cloud storage) and organizations' requests for them.

A request follows one transition table; access holds a place of the service's
capacity from approval until it ends. Provisioning is done by a provisioner:
"manual" (staff enter the access details) or "webhook" (a signed request to
the operator's own automation).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allmende.core.iri import IRIField
from allmende.core.translation import translated


class Provisioner(models.TextChoices):
    MANUAL = "manual", _("Manual: staff enter the access details")
    WEBHOOK = "webhook", _("Webhook: a signed request to the operator's automation")


class HostedService(models.Model):
    slug = models.SlugField(_("short name in addresses"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description_de = models.TextField(_("description (German)"), max_length=4000)
    description_en = models.TextField(
        _("description (English)"), max_length=4000, blank=True
    )
    tool = models.ForeignKey(
        "knowledge.Tool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_services",
        verbose_name=_("tool"),
    )
    # How many organizations may hold access at once; empty: no limit.
    capacity = models.PositiveIntegerField(
        _("organizations at most"), null=True, blank=True
    )
    quota_de = models.CharField(_("quota (German)"), max_length=300, blank=True)
    quota_en = models.CharField(_("quota (English)"), max_length=300, blank=True)
    terms_de = models.TextField(_("terms (German)"), max_length=10000, blank=True)
    terms_en = models.TextField(_("terms (English)"), max_length=10000, blank=True)
    requires_verified = models.BooleanField(
        _("only for verified organizations"), default=True
    )
    is_open = models.BooleanField(_("accepts requests"), default=True)
    provisioner = models.CharField(
        _("provisioner"),
        max_length=20,
        choices=Provisioner.choices,
        default=Provisioner.MANUAL,
    )
    webhook_url = IRIField(_("webhook address"), blank=True)
    # The key of the HMAC-SHA256 signature of every webhook body.
    webhook_secret = models.CharField(max_length=128, blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("hosted service")
        verbose_name_plural = _("hosted services")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(provisioner=Provisioner.WEBHOOK)
                | (~Q(webhook_url="") & ~Q(webhook_secret="")),
                name="hostedservice_webhook_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("knowledge:service_detail", kwargs={"slug": self.slug})

    @property
    def description(self) -> str:
        return translated(self, "description")

    @property
    def quota(self) -> str:
        return translated(self, "quota")

    @property
    def terms(self) -> str:
        return translated(self, "terms")


class CodeOfConduct(models.Model):
    """One version of a service's code of conduct; the newest is current."""

    service = models.ForeignKey(
        HostedService, on_delete=models.CASCADE, related_name="codes_of_conduct"
    )
    version = models.PositiveIntegerField()
    text_de = models.TextField(_("text (German)"), max_length=20000)
    text_en = models.TextField(_("text (English)"), max_length=20000, blank=True)
    # Organizations with access accept a new version within this many days.
    accept_within_days = models.PositiveIntegerField(default=30)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code of conduct")
        verbose_name_plural = _("codes of conduct")
        ordering = ["service", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "version"], name="codeofconduct_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.version}"

    @property
    def text(self) -> str:
        return translated(self, "text")


class AccessState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    PROVISIONING = "provisioning", _("Being set up")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


A = AccessState
ORG_ADMIN = "org_admin"
STAFF = "staff"
SYSTEM = "system"

# The state machine of a request and who may make each change; "system" is
# the provisioning job.
ACCESS_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (A.REQUESTED, A.APPROVED): frozenset({STAFF}),
    (A.REQUESTED, A.DECLINED): frozenset({STAFF}),
    (A.REQUESTED, A.ENDED): frozenset({ORG_ADMIN}),
    (A.APPROVED, A.PROVISIONING): frozenset({SYSTEM, STAFF}),
    (A.PROVISIONING, A.ACTIVE): frozenset({SYSTEM, STAFF}),
    (A.ACTIVE, A.SUSPENDED): frozenset({STAFF}),
    (A.SUSPENDED, A.ACTIVE): frozenset({STAFF}),
    (A.ACTIVE, A.ENDED): frozenset({STAFF, ORG_ADMIN}),
    (A.SUSPENDED, A.ENDED): frozenset({STAFF, ORG_ADMIN}),
}
# States that hold one of the service's places.
HOLDING_STATES = frozenset({A.APPROVED, A.PROVISIONING, A.ACTIVE, A.SUSPENDED})
# States in which an organization's request is still open (one at a time).
OPEN_STATES = HOLDING_STATES | {A.REQUESTED}


def access_transition_allowed(source: str, target: str, roles: set[str]) -> bool:
    return bool(roles & ACCESS_TRANSITIONS.get((source, target), frozenset()))


class ServiceRequest(models.Model):
    service = models.ForeignKey(
        HostedService, on_delete=models.PROTECT, related_name="requests"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="service_requests",
        verbose_name=_("organization"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.TextField(_("what you need it for"), max_length=2000)
    expected_users = models.PositiveIntegerField(_("expected number of users"))
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail address"))
    code_of_conduct = models.ForeignKey(
        CodeOfConduct, on_delete=models.PROTECT, related_name="+"
    )
    code_accepted_at = models.DateTimeField()
    # Set when a newer code of conduct waits for acceptance.
    reaccept_by = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        _("status"), max_length=20, choices=AccessState.choices, default=A.REQUESTED
    )
    decline_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    # Shown only to the organization's administrators (and staff).
    access_details = models.TextField(_("access details"), max_length=4000, blank=True)
    active_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "organization"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="servicerequest_one_open_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(state__in=A.values), name="servicerequest_state_known"
            ),
            models.CheckConstraint(
                condition=~Q(state=A.DECLINED) | ~Q(decline_reason=""),
                name="servicerequest_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(expected_users__gte=1),
                name="servicerequest_expected_users_positive",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.organization_id} → {self.service_id} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("knowledge:service_request_detail", kwargs={"pk": self.pk})


class WebhookDelivery(models.Model):
    """One provisioning message to the operator's automation; its id is sent
    along so the receiver can ignore a repeat."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "event"], name="webhookdelivery_one_per_event"
            )
        ]

    def __str__(self) -> str:
        return str(self.delivery_id)
