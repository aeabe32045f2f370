"""Every change to organizations, memberships and invitations.

Each function checks the actor's permission (see ``rules.py``), runs in one
transaction, validates with ``full_clean()``, writes the audit log, and queues
its e-mails after commit. The search index lives in the same database, so it is
updated inside the transaction: a rolled-back change leaves no stale entry.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.core import files
from allmende.core.models import FocusArea
from allmende.core.search import index_object, unindex_object
from allmende.core.services import audit_log_record
from allmende.core.site import site_url
from allmende.notifications.services import notify, organization_admins, staff_users
from allmende.organizations import notifications as kinds
from allmende.organizations.models import (
    ORGANIZATION_ADMIN,
    STAFF,
    Invitation,
    JoinRequest,
    JoinRequestState,
    Membership,
    Organization,
    VerificationRequest,
    VerificationState,
    hash_token,
    join_transition_allowed,
    verification_transition_allowed,
)

PROFILE_FIELDS = (
    "name",
    "legal_form",
    "region",
    "street",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "website",
    "email",
    "description_de",
    "description_en",
)


def _require(actor: User, permission: str, organization: Organization | None) -> None:
    if not actor.has_perm(permission, organization):
        raise PermissionDenied(_("You are not allowed to do this."))


def _named_logo(logo: UploadedFile) -> UploadedFile:
    """The logo under a name with the extension of the image type found in it."""
    extension = files.image_extension(logo)
    if extension is None:
        raise ValidationError(
            {"logo": _("The logo must be a PNG, JPEG, WebP or GIF image.")},
            code="invalid_image",
        )
    logo.name = f"logo.{extension}"
    return logo


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "organisation"
    slug = base
    counter = 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def organization_index(organization: Organization) -> None:
    focus = " ".join(
        f"{area.name_de} {area.name_en}" for area in organization.focus_areas.all()
    )
    index_object(
        organization,
        title=organization.name,
        body=" ".join(
            [
                organization.city,
                organization.get_legal_form_display(),
                focus,
                organization.description_de,
                organization.description_en,
            ]
        ),
    )


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    legal_form: str,
    region: str,
    focus_areas: Iterable[FocusArea] = (),
    logo: UploadedFile | None = None,
    **profile: Any,
) -> Organization:
    """Create an organization; its creator becomes its first administrator."""
    _require(actor, "organizations.add_organization", None)
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    organization = Organization(
        name=name.strip(),
        slug=_unique_slug(name),
        legal_form=legal_form,
        region=region,
        **profile,
    )
    if logo is not None:
        organization.logo = _named_logo(logo)
    organization.full_clean()
    organization.save()
    organization.focus_areas.set(focus_areas)
    Membership.objects.create(
        organization=organization, user=actor, role=Membership.Role.ADMIN
    )
    audit_log_record(actor=actor, action="organization.created", obj=organization)
    organization_index(organization)
    return organization


@transaction.atomic
def organization_update(
    *,
    actor: User,
    organization: Organization,
    focus_areas: Iterable[FocusArea] | None = None,
    logo: UploadedFile | None | bool = None,
    **changes: Any,
) -> Organization:
    """Change profile fields. ``logo=False`` removes the logo."""
    _require(actor, "organizations.change_organization", organization)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    changed = [
        field
        for field, value in changes.items()
        if getattr(organization, field) != value
    ]
    for field in changed:
        setattr(organization, field, changes[field])
    if logo is False:
        if organization.logo:
            organization.logo.delete(save=False)
        organization.logo = None
        changed.append("logo")
    elif logo is not None and logo is not True:
        if organization.logo:
            organization.logo.delete(save=False)
        organization.logo = _named_logo(logo)
        changed.append("logo")
    organization.full_clean()
    organization.save()
    if focus_areas is not None:
        before = set(organization.focus_areas.values_list("pk", flat=True))
        organization.focus_areas.set(focus_areas)
        if before != {area.pk for area in focus_areas}:
            changed.append("focus_areas")
    if changed:
        audit_log_record(
            actor=actor,
            action="organization.updated",
            obj=organization,
            data={"fields": sorted(changed)},
        )
    organization_index(organization)
    return organization


@transaction.atomic
def organization_set_verified(
    *, actor: User, organization: Organization, verified: bool
) -> Organization:
    """Staff mark an organization as verified, or take the badge away."""
    _require(actor, "organizations.verify_organization", organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.is_verified == verified:
        return organization
    if verified:
        # Verifying directly answers a request that is waiting.
        open_request = VerificationRequest.objects.filter(
            organization=organization, state=VerificationState.OPEN
        ).first()
        if open_request is not None:
            verification_decide(
                actor=actor, request=open_request, verified=True, reason=""
            )
            organization.refresh_from_db()
            return organization
    organization.is_verified = verified
    organization.verified_at = timezone.now() if verified else None
    organization.verified_by = actor if verified else None
    organization.full_clean()
    organization.save(update_fields=["is_verified", "verified_at", "verified_by"])
    audit_log_record(
        actor=actor,
        action="organization.verified" if verified else "organization.unverified",
        obj=organization,
    )
    if verified:
        notify(
            kinds.VERIFIED,
            organization_admins(organization),
            obj=organization,
            context={"organization": organization.name},
            actor=actor,
        )
    return organization


@transaction.atomic
def organization_delete(*, actor: User, organization: Organization) -> None:
    _require(actor, "organizations.change_organization", organization)
    audit_log_record(
        actor=actor,
        action="organization.deleted",
        obj=organization,
        data={"name": organization.name},
    )
    unindex_object(organization)
    if organization.logo:
        logo = organization.logo
        transaction.on_commit(lambda: logo.delete(save=False))
    organization.delete()


def _admin_count(organization: Organization) -> int:
    return Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).count()


@transaction.atomic
def membership_change_role(
    *, actor: User, membership: Membership, role: str
) -> Membership:
    """Change a member's role; an organization always keeps one administrator."""
    _require(actor, "organizations.manage_members", membership.organization)
    # Lock the organization's memberships so two admins demoting each other at
    # the same moment cannot leave it with none.
    list(
        Membership.objects.select_for_update().filter(
            organization=membership.organization
        )
    )
    membership.refresh_from_db()
    if membership.role == role:
        return membership
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if (
        membership.role == Membership.Role.ADMIN
        and _admin_count(membership.organization) == 1
    ):
        raise ValidationError(
            _(
                "An organization needs at least one administrator. Make someone else "
                "an administrator first."
            )
        )
    old = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_log_record(
        actor=actor,
        action="membership.role_changed",
        obj=membership.organization,
        data={"user": membership.user.get_username(), "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a member (an admin removing someone, or a member leaving)."""
    organization = membership.organization
    if membership.user_id != actor.pk:
        _require(actor, "organizations.manage_members", organization)
    list(Membership.objects.select_for_update().filter(organization=organization))
    if membership.role == Membership.Role.ADMIN and _admin_count(organization) == 1:
        raise ValidationError(
            _(
                "An organization needs at least one administrator. Make someone else "
                "an administrator first."
            )
        )
    audit_log_record(
        actor=actor,
        action="membership.removed",
        obj=organization,
        data={"user": membership.user.get_username()},
    )
    membership.delete()


@transaction.atomic
def invitation_create(
    *, actor: User, organization: Organization, email: str, role: str
) -> tuple[Invitation, str]:
    """Invite a person by e-mail. Returns the invitation and its secret token."""
    _require(actor, "organizations.invite_members", organization)
    email = email.strip().lower()
    if Membership.objects.filter(
        organization=organization, user__email__iexact=email
    ).exists():
        raise ValidationError(
            {"email": _("A person with this e-mail address is already a member.")}
        )
    if Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise ValidationError(
            {"email": _("This address has already been invited and can still accept.")}
        )
    # An expired invitation to the same address no longer blocks a new one.
    Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.ALLMENDE_INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_log_record(
        actor=actor,
        action="invitation.created",
        obj=organization,
        data={"email": email, "role": role},
    )
    _send_invitation_mail(invitation, token)
    return invitation, token


def _send_invitation_mail(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "url": site_url()
        + reverse("organizations:invitation", kwargs={"token": token}),
        "days": settings.ALLMENDE_INVITATION_DAYS,
        "site_name": settings.SITE_NAME,
    }
    # The invited person has no account yet, so the language is the inviter's.
    with translation.override(translation.get_language()):
        subject = _("Invitation to join %(organization)s on %(site)s") % {
            "organization": invitation.organization.name,
            "site": settings.SITE_NAME,
        }
        body = render_to_string("organizations/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, actor: User, token: str) -> Membership:
    """Join the organization the invitation is for.

    The invitation can be accepted only by an account with a verified e-mail
    address equal to the one invited, so a forwarded link is of no use.
    """
    from allauth.account.models import EmailAddress

    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        if invitation.accepted_by_id == actor.pk:
            return Membership.objects.get(
                organization=invitation.organization, user=actor
            )
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation has expired. Please ask for a new one.")
        )
    if not EmailAddress.objects.filter(
        user=actor, email__iexact=invitation.email, verified=True
    ).exists():
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s. Please log in with the "
                "account for that address, or add and confirm it in your account."
            )
            % {"email": invitation.email}
        )
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization,
        user=actor,
        defaults={"role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log_record(
        actor=actor,
        action="invitation.accepted",
        obj=invitation.organization,
        data={"email": invitation.email, "role": membership.role},
    )
    if created:
        organization = invitation.organization
        notify(
            kinds.INVITATION_ACCEPTED,
            invitation.invited_by
            if invitation.invited_by is not None
            else organization_admins(organization),
            obj=organization,
            context={"person": actor.public_name, "organization": organization.name},
            actor=actor,
        )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    _require(actor, "organizations.invite_members", invitation.organization)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_log_record(
        actor=actor,
        action="invitation.revoked",
        obj=invitation.organization,
        data={"email": invitation.email},
    )


@transaction.atomic
def verification_request(
    *, organization: Organization, actor: User
) -> VerificationRequest:
    """An administrator asks the staff to verify the organization.

    The database allows one open request per organization, so a second click
    or a second administrator asking at the same moment gets a clear answer.
    """
    _require(actor, "organizations.request_verification", organization)
    request = VerificationRequest(
        organization=organization,
        requested_by=actor,
        state=VerificationState.OPEN,
    )
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ValidationError(
            _("Your organization has already asked for verification."),
            code="verification_open",
        ) from None
    audit_log_record(
        actor=actor, action="organization.verification_requested", obj=organization
    )
    notify(
        kinds.VERIFICATION_REQUESTED,
        staff_users(),
        obj=organization,
        context={"organization": organization.name},
        actor=actor,
        url=reverse("organizations:verification_queue"),
    )
    return request


@transaction.atomic
def verification_request_withdraw(
    *, actor: User, request: VerificationRequest
) -> VerificationRequest:
    """An administrator takes back the organization's open request; it leaves
    the staff's queue, and the organization may ask again later."""
    _require(actor, "organizations.withdraw_verification", request.organization)
    request = (
        VerificationRequest.objects.select_for_update()
        .select_related("organization")
        .get(pk=request.pk)
    )
    if not verification_transition_allowed(
        request.state, VerificationState.WITHDRAWN, ORGANIZATION_ADMIN
    ):
        raise ValidationError(
            _("This request has already been answered."), code="verification_closed"
        )
    request.state = VerificationState.WITHDRAWN
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.full_clean(validate_constraints=False)
    request.save(update_fields=["state", "decided_by", "decided_at"])
    audit_log_record(
        actor=actor,
        action="organization.verification_withdrawn",
        obj=request.organization,
        data={"request": request.pk},
    )
    return request


@transaction.atomic
def verification_decide(
    *, request: VerificationRequest, verified: bool, reason: str, actor: User
) -> VerificationRequest:
    """Staff verify the organization or decline the request with a reason; the
    organization's administrators are notified after commit."""
    _require(actor, "organizations.verify_organization", request.organization)
    request = (
        VerificationRequest.objects.select_for_update()
        .select_related("organization")
        .get(pk=request.pk)
    )
    target = VerificationState.VERIFIED if verified else VerificationState.DECLINED
    if not verification_transition_allowed(request.state, target, STAFF):
        raise ValidationError(
            _("This request has already been answered."), code="verification_closed"
        )
    reason = reason.strip()
    if not verified and not reason:
        raise ValidationError(
            {"reason": _("Please tell the organization why the request is declined.")}
        )
    organization = Organization.objects.select_for_update().get(
        pk=request.organization_id
    )
    now = timezone.now()
    request.state = target
    request.reason = reason
    request.decided_by = actor
    request.decided_at = now
    request.full_clean(validate_constraints=False)
    request.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    if verified and not organization.is_verified:
        organization.is_verified = True
        organization.verified_at = now
        organization.verified_by = actor
        organization.save(update_fields=["is_verified", "verified_at", "verified_by"])
    request.organization = organization
    audit_log_record(
        actor=actor,
        action="organization.verified"
        if verified
        else "organization.verification_declined",
        obj=organization,
        data={"request": request.pk, "reason": reason},
    )
    notify(
        kinds.VERIFIED if verified else kinds.VERIFICATION_DECLINED,
        organization_admins(organization),
        obj=organization,
        context={"organization": organization.name, "reason": reason},
        actor=actor,
    )
    return request


@transaction.atomic
def join_request_create(*, actor: User, organization: Organization) -> JoinRequest:
    """A person asks to become a member of the organization.

    The database keeps one open request per person and organization, so a
    second click returns the request already waiting instead of a second one.
    """
    _require(actor, "organizations.request_membership", organization)
    join_request = JoinRequest(organization=organization, user=actor)
    join_request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            join_request.save()
    except IntegrityError:
        return JoinRequest.objects.get(
            organization=organization, user=actor, state=JoinRequestState.OPEN
        )
    audit_log_record(
        actor=actor,
        action="membership.requested",
        obj=organization,
        data={"user": actor.get_username()},
    )
    notify(
        kinds.JOIN_REQUESTED,
        organization_admins(organization),
        obj=organization,
        context={"person": actor.public_name, "organization": organization.name},
        actor=actor,
    )
    return join_request


@transaction.atomic
def join_request_decide(
    *, actor: User, join_request: JoinRequest, accept: bool
) -> JoinRequest:
    """An administrator accepts the request (the person becomes a member) or
    declines it."""
    _require(actor, "organizations.decide_join_request", join_request.organization)
    join_request = (
        JoinRequest.objects.select_for_update()
        .select_related("organization", "user")
        .get(pk=join_request.pk)
    )
    target = JoinRequestState.ACCEPTED if accept else JoinRequestState.DECLINED
    if not join_transition_allowed(join_request.state, target, ORGANIZATION_ADMIN):
        raise ValidationError(
            _("This request has already been answered."), code="join_request_closed"
        )
    join_request.state = target
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.full_clean(validate_constraints=False)
    join_request.save(update_fields=["state", "decided_by", "decided_at"])
    if accept:
        # Invited in the meantime: the membership that exists stays as it is.
        Membership.objects.get_or_create(
            organization=join_request.organization,
            user=join_request.user,
            defaults={"role": Membership.Role.MEMBER},
        )
    audit_log_record(
        actor=actor,
        action="membership.request_accepted"
        if accept
        else "membership.request_declined",
        obj=join_request.organization,
        data={"user": join_request.user.get_username()},
    )
    notify(
        kinds.JOIN_ACCEPTED if accept else kinds.JOIN_DECLINED,
        join_request.user,
        obj=join_request.organization,
        context={"organization": join_request.organization.name},
        actor=actor,
    )
    return join_request
