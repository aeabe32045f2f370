"""Changes to a person's own account: profile, data export, deletion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.accounts import notifications as kinds
from allmende.accounts.models import ApiToken, Skill, User
from allmende.core.models import AuditLogEntry, FocusArea
from allmende.core.plugins import app_modules
from allmende.core.search import index_object, unindex_object
from allmende.core.services import audit_log_record
from allmende.notifications.services import notify


def person_index(user: User) -> None:
    if user.profile_visibility == User.Visibility.HIDDEN:
        unindex_object(user)
        return
    skills = " ".join(f"{s.name_de} {s.name_en}" for s in user.skills.all())
    interests = " ".join(f"{i.name_de} {i.name_en}" for i in user.interests.all())
    index_object(
        user,
        title=f"{user.display_name} {user.username}",
        body=f"{user.bio} {skills} {interests}",
    )


@transaction.atomic
def profile_update(
    *,
    actor: User,
    display_name: str,
    bio: str,
    profile_visibility: str,
    skills: Iterable[Skill],
    interests: Iterable[FocusArea],
    language: str = "",
) -> User:
    user = User.objects.select_for_update().get(pk=actor.pk)
    user.display_name = display_name.strip()
    user.bio = bio
    user.profile_visibility = profile_visibility
    user.language = language
    user.full_clean()
    user.save(update_fields=["display_name", "bio", "profile_visibility", "language"])
    user.skills.set(skills)
    user.interests.set(interests)
    audit_log_record(actor=actor, action="profile.updated", obj=user)
    person_index(user)
    return user


def user_export_data(*, user: User) -> dict[str, Any]:
    """Everything the platform stores about ``user``, as JSON-safe data (GDPR)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from allmende.organizations.models import Invitation, JoinRequest, Membership

    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "profile_visibility": user.profile_visibility,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "is_staff": user.is_staff,
            "language": None,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "two_factor_methods": [
            {"type": a.type, "created_at": a.created_at.isoformat()}
            for a in Authenticator.objects.filter(user=user)
        ],
        "skills": [s.slug for s in user.skills.all()],
        "interests": [i.slug for i in user.interests.all()],
        "memberships": [
            {
                "organization": m.organization.name,
                "role": m.role,
                "since": m.created_at.isoformat(),
            }
            for m in Membership.objects.filter(user=user).select_related("organization")
        ],
        "requests_to_join": [
            {
                "organization": r.organization.name,
                "state": r.state,
                "requested_at": r.requested_at.isoformat(),
            }
            for r in JoinRequest.objects.filter(user=user).select_related(
                "organization"
            )
        ],
        "invitations_sent": [
            {
                "organization": i.organization.name,
                "email": i.email,
                "created_at": i.created_at.isoformat(),
            }
            for i in Invitation.objects.filter(invited_by=user).select_related(
                "organization"
            )
        ],
        "activity": [
            {
                "time": entry.created_at.isoformat(),
                "action": entry.action,
                "object": entry.object_repr,
            }
            for entry in AuditLogEntry.objects.filter(actor=user).order_by("created_at")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked": t.revoked_at is not None,
            }
            for t in ApiToken.objects.filter(user=user).order_by("created_at")
        ],
    }
    # Each module with personal data of its own adds it under its name.
    for label, module in app_modules("privacy"):
        if hasattr(module, "export_personal_data"):
            data[label] = module.export_personal_data(user=user)
    return data


@transaction.atomic
def user_delete(*, actor: User) -> None:
    """Delete the actor's own account and everything personal in it.

    Refused while the person is the only administrator of an organization,
    since that organization would be left without anyone to manage it.
    """
    from allmende.organizations.models import Membership

    orphaned = [
        m.organization.name
        for m in Membership.objects.filter(
            user=actor, role=Membership.Role.ADMIN
        ).select_related("organization")
        if Membership.objects.filter(
            organization=m.organization, role=Membership.Role.ADMIN
        ).count()
        == 1
    ]
    if orphaned:
        raise ValidationError(
            _(
                "You are the only administrator of %(names)s. Make another member "
                "an administrator, or delete the organization, before you delete "
                "your account."
            )
            % {"names": ", ".join(orphaned)}
        )
    for _label, module in app_modules("privacy"):
        if hasattr(module, "before_account_deletion"):
            module.before_account_deletion(user=actor)
    # Staff actions stay attributable by name; a member's own activity is
    # anonymised with the account.
    if not actor.is_staff:
        AuditLogEntry.objects.filter(actor=actor).update(actor_name="")
        audit_log_record(actor=None, action="account.deleted")
    else:
        audit_log_record(actor=actor, action="account.deleted")
    unindex_object(actor)
    actor.delete()


API_TOKEN_PREFIX = "alm_"  # noqa: S105 - a marker, not a secret


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def api_token_allowed(user: User) -> bool:
    """Whether the account may create and use API tokens.

    A staff account can do anything; its token must not be weaker than its
    login, so staff need two-factor authentication set up first.
    """
    from allauth.mfa.utils import is_mfa_enabled

    return user.is_active and (not user.is_staff or is_mfa_enabled(user))


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with the secret, shown only once."""
    import secrets

    if not api_token_allowed(actor):
        raise ValidationError(
            _("Staff accounts need two-factor authentication before API tokens.")
        )
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name.strip()[:100] or "API",
        token_hash=_token_hash(secret),
        prefix=secret[:10],
    )
    token.full_clean()
    token.save()
    audit_log_record(
        actor=actor, action="api_token.created", obj=token, data={"name": token.name}
    )
    # The owner is told even though they acted: whoever holds a stolen session
    # could otherwise make a key to the account unnoticed.
    notify(
        kinds.API_TOKEN_CREATED,
        actor,
        obj=token,
        context={"name": token.name},
        actor=actor,
        include_actor=True,
        url=reverse("accounts:api_tokens"),
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not actor.is_staff:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log_record(actor=actor, action="api_token.revoked", obj=token)
    # Revoking one's own token needs no notice; the actor is left out.
    notify(
        kinds.API_TOKEN_REVOKED,
        [token.user_id],
        obj=token,
        context={"name": token.name},
        actor=actor,
        url=reverse("accounts:api_tokens"),
    )


def api_token_user(secret: str) -> User | None:
    """The active user a token belongs to, or ``None`` for an unknown token."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not api_token_allowed(token.user):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def account_language_remember(
    sender: Any, request: Any, user: User, **kwargs: Any
) -> None:
    """At login, keep the site's language for a person who has chosen none, so
    that notifications and e-mails reach them in it (``user_logged_in``)."""
    language = str(getattr(request, "LANGUAGE_CODE", "") or "")[:2]
    known = {code for code, _name in settings.LANGUAGES}
    if user.language or language not in known:
        return
    User.objects.filter(pk=user.pk, language="").update(language=language)
    user.language = language
