"""Every change to campaigns: the campaign and its demands, co-signing
organizations, and individual signatures with their double opt-in."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, Max, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps

from allmende.accounts.models import User as Account
from allmende.campaigns import exports, selectors
from allmende.campaigns import notifications as kinds
from allmende.campaigns.models import (
    ORGANIZATION_ACTIVE,
    SIGNATURE_ACTIVE,
    STAFF,
    Campaign,
    CampaignCounter,
    ConsentText,
    CounterDelta,
    Demand,
    OrganizationSignature,
    Signature,
    transition_allowed,
)
from allmende.campaigns.models import CampaignState as C
from allmende.campaigns.models import OrganizationSignatureState as O
from allmende.campaigns.models import SignatureState as S
from allmende.core import files, ratelimit
from allmende.core.search import index_changed, index_object
from allmende.core.services import audit_log_record
from allmende.core.site import site_url
from allmende.notifications.registry import in_languages
from allmende.notifications.services import (
    notify,
    organization_admins,
    organization_members,
)
from allmende.organizations.models import Organization

User = Account | AnonymousUser
LINK_PURPOSE = "allmende.campaigns.signature"
IP_PURPOSE = "allmende.campaigns.ip"


class CampaignData(TypedDict):
    slug: str
    title_de: str
    title_en: str
    claim_de: str
    claim_en: str
    background_de: str
    background_en: str
    image_alt_de: str
    image_alt_en: str
    signers: str
    starts_at: datetime
    ends_at: datetime | None
    goal: int | None
    consent_de: str
    consent_en: str
    names_public: bool
    organization: Organization | None


def image_without_metadata(upload: File) -> ContentFile:
    """The image re-encoded from its pixels alone: EXIF (places, devices,
    names) and every other piece of metadata stay behind. JPEG stays JPEG,
    everything else becomes PNG."""
    extension = files.image_extension(upload)
    if extension is None:
        raise ValidationError(
            {"image": _("The image must be a PNG, JPEG, WebP or GIF image.")}
        )
    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original)
        out = io.BytesIO()
        if extension == "jpg":
            image.convert("RGB").save(out, format="JPEG", quality=88)
        else:
            image.convert("RGBA").save(out, format="PNG", optimize=True)
            extension = "png"
    return ContentFile(out.getvalue(), name=f"image.{extension}")


class TooManyAttempts(Exception):
    """A visitor or an e-mail domain used up the signing limits."""


def _require(actor: User, permission: str, obj: Any = None) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def campaign_index(campaign: Campaign) -> None:
    """Store the campaign's text, demands included, for the site-wide search."""
    demands = " ".join(
        f"{d.title_de} {d.title_en} {d.text_de} {d.text_en}"
        for d in campaign.demands.all()
    )
    index_object(
        campaign,
        title=f"{campaign.title_de} {campaign.title_en}".strip(),
        body=" ".join(
            [
                campaign.claim_de,
                campaign.claim_en,
                campaign.background_de,
                campaign.background_en,
                demands,
            ]
        ),
    )


# Campaigns -------------------------------------------------------------------


def _keep_consent_text(campaign: Campaign) -> None:
    """Keep the consent text of the campaign's current version: a proof of
    consent names the text a person agreed to, not today's text."""
    ConsentText.objects.get_or_create(
        campaign=campaign,
        version=campaign.consent_version,
        defaults={"text_de": campaign.consent_de, "text_en": campaign.consent_en},
    )


@transaction.atomic
def campaign_create(
    *, actor: User, data: CampaignData, image: File | None = None
) -> Campaign:
    _require(actor, "campaigns.manage_campaign")
    campaign = Campaign(
        **data, created_by=actor if isinstance(actor, Account) else None
    )
    if image is not None:
        campaign.image = image_without_metadata(image)
    campaign.full_clean()
    campaign.save()
    _keep_consent_text(campaign)
    CampaignCounter.objects.create(campaign=campaign, updated_at=timezone.now())
    audit_log_record(actor=actor, action="campaign.created", obj=campaign)
    campaign_index(campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor: User,
    campaign: Campaign,
    data: CampaignData,
    image: File | None | bool = None,
) -> Campaign:
    """Change a campaign; ``image`` is a new image, ``False`` to remove it, or
    ``None`` to keep it."""
    _require(actor, "campaigns.manage_campaign", campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    changed = [name for name, value in data.items() if getattr(campaign, name) != value]
    for name, value in data.items():
        setattr(campaign, name, value)
    old_image = campaign.image.name or ""
    if image is False:
        campaign.image = ""
        changed.append("image")
    elif isinstance(image, File):
        campaign.image = image_without_metadata(image)
        changed.append("image")
    consent_changed = bool({"consent_de", "consent_en"} & set(changed))
    if consent_changed:
        campaign.consent_version += 1
    campaign.full_clean()
    campaign.save()
    if consent_changed:
        _keep_consent_text(campaign)
    if old_image and campaign.image.name != old_image:
        # The replaced image is served publicly: it goes once this has committed.
        transaction.on_commit(
            partial(campaign.image.storage.delete, old_image), robust=True
        )
    audit_log_record(
        actor=actor,
        action="campaign.updated",
        obj=campaign,
        data={"fields": changed, "consent_version": campaign.consent_version},
    )
    campaign_index(campaign)
    return campaign


@transaction.atomic
def campaign_transition(*, actor: User, campaign: Campaign, target: str) -> Campaign:
    _require(actor, "campaigns.manage_campaign", campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    source = campaign.state
    if not transition_allowed(source, target, STAFF):
        raise ValidationError(_("This change of status is not possible."))
    if target == C.PUBLISHED and not campaign.demands.exists():
        raise ValidationError(_("Please add at least one demand before publishing."))
    campaign.state = target
    if target == C.CLOSED and source == C.PUBLISHED:
        campaign.closed_at = timezone.now()
    elif target == C.PUBLISHED:
        campaign.closed_at = None
    campaign.save(update_fields=["state", "closed_at", "updated_at"])
    index_changed()
    audit_log_record(
        actor=actor,
        action="campaign.state_changed",
        obj=campaign,
        data={"from": source, "to": target},
    )
    return campaign


@transaction.atomic
def demand_add(
    *,
    actor: User,
    campaign: Campaign,
    title_de: str,
    title_en: str = "",
    text_de: str = "",
    text_en: str = "",
) -> Demand:
    _require(actor, "campaigns.manage_campaign", campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    last = campaign.demands.aggregate(last=Max("number"))["last"] or 0
    demand = Demand(
        campaign=campaign,
        number=last + 1,
        title_de=title_de.strip(),
        title_en=title_en.strip(),
        text_de=text_de.strip(),
        text_en=text_en.strip(),
    )
    demand.full_clean()
    demand.save()
    audit_log_record(
        actor=actor,
        action="campaign.demand_added",
        obj=campaign,
        data={"number": demand.number},
    )
    campaign_index(campaign)
    return demand


@transaction.atomic
def demand_delete(*, actor: User, demand: Demand) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=demand.campaign_id)
    _require(actor, "campaigns.manage_campaign", campaign)
    if campaign.state != C.DRAFT:
        raise ValidationError(
            _("Demands can only be removed while the campaign is a draft.")
        )
    number = demand.number
    demand.delete()
    # Close the gap so the list stays numbered 1, 2, 3, …
    for later in campaign.demands.filter(number__gt=number).order_by("number"):
        Demand.objects.filter(pk=later.pk).update(number=later.number - 1)
    audit_log_record(
        actor=actor,
        action="campaign.demand_removed",
        obj=campaign,
        data={"number": number},
    )
    campaign_index(campaign)


# Counters --------------------------------------------------------------------

# A counter older than this is brought up to date when it is read; with the
# widget's cache of as long, the counts shown are at most 10 seconds behind.
COUNTER_MAX_AGE = timedelta(seconds=5)
FOLD_BATCH = 10_000


def _count(campaign_id: int, *, organizations: int = 0, individuals: int = 0) -> None:
    """Record a change of the counts in the current transaction: an insert,
    which never waits for another signer."""
    CounterDelta.objects.create(
        campaign_id=campaign_id, organizations=organizations, individuals=individuals
    )


def counter_update(*, campaign_id: int, now: datetime | None = None) -> bool:
    """Fold the campaign's recorded changes into its counter.

    Only one process folds a campaign at a time (the counter row is locked,
    and whoever finds it locked leaves the work to the one holding it); only
    the rows read are deleted, so a change committed meanwhile is folded next
    time. Returns whether this call did the folding. Safe to run twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        CampaignCounter.objects.get_or_create(
            campaign_id=campaign_id, defaults={"updated_at": now}
        )
    with transaction.atomic():
        counter = (
            CampaignCounter.objects.select_for_update(skip_locked=True)
            .filter(campaign_id=campaign_id)
            .first()
        )
        if counter is None:
            return False
        while True:
            rows = list(
                CounterDelta.objects.filter(campaign_id=campaign_id)
                .order_by("id")
                .values_list("id", "organizations", "individuals")[:FOLD_BATCH]
            )
            if not rows:
                break
            CampaignCounter.objects.filter(pk=campaign_id).update(
                organizations=F("organizations") + sum(row[1] for row in rows),
                individuals=F("individuals") + sum(row[2] for row in rows),
            )
            CounterDelta.objects.filter(
                campaign_id=campaign_id, id__in=[row[0] for row in rows]
            ).delete()
            if len(rows) < FOLD_BATCH:
                break
        CampaignCounter.objects.filter(pk=campaign_id).update(updated_at=now)
    return True


def counters_update() -> int:
    """Fold the recorded changes of every campaign that has any (the job)."""
    campaign_ids = set(
        CounterDelta.objects.values_list("campaign_id", flat=True).distinct()
    )
    return sum(counter_update(campaign_id=pk) for pk in sorted(campaign_ids))


# Organizations ---------------------------------------------------------------


def _check_open(campaign: Campaign, now: datetime | None = None) -> None:
    if not campaign.is_open(now):
        raise ValidationError(_("This campaign is not open for signatures."))


@transaction.atomic
def organization_sign(
    *, actor: User, campaign: Campaign, organization: Organization
) -> OrganizationSignature:
    """An admin signs for the organization at once; a member proposes it and
    the organization's admins are told."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(actor, "campaigns.act_for_organization", organization)
    _check_open(campaign)
    if not organization.is_verified:
        raise ValidationError(
            _(
                "Only verified organizations can co-sign. "
                "Please ask for verification first."
            )
        )
    admin = actor.has_perm("campaigns.sign_for_organization", organization)
    if not admin:
        _require(actor, "campaigns.propose_signature", organization)
    now = timezone.now()
    existing = (
        OrganizationSignature.objects.select_for_update()
        .filter(
            campaign=campaign,
            organization=organization,
            state__in=sorted(ORGANIZATION_ACTIVE),
        )
        .first()
    )
    if existing is not None:
        if existing.state == O.PROPOSED and admin:
            return organization_signature_confirm(actor=actor, signature=existing)
        raise ValidationError(
            _("This organization has already co-signed or proposed it.")
        )
    signature = OrganizationSignature(
        campaign=campaign,
        organization=organization,
        state=O.SIGNED if admin else O.PROPOSED,
        proposed_by=actor if isinstance(actor, Account) else None,
        signed_by=actor if admin and isinstance(actor, Account) else None,
        signed_at=now if admin else None,
    )
    signature.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:
        raise ValidationError(
            _("This organization has already co-signed or proposed it.")
        ) from None
    if admin:
        _count(campaign.pk, organizations=1)
    audit_log_record(
        actor=actor,
        action="campaign.organization_signed"
        if admin
        else "campaign.organization_proposed",
        obj=campaign,
        data={"organization": organization.pk},
    )
    context = {
        "organization": organization.name,
        "campaign": in_languages(campaign, "title"),
        "person": actor.get_username() if isinstance(actor, Account) else "",
    }
    if admin:
        notify(
            kinds.ORGANIZATION_SIGNED,
            organization_members(organization),
            obj=campaign,
            context=context,
            actor=actor if isinstance(actor, Account) else None,
        )
    else:
        context["person"] = actor.public_name if isinstance(actor, Account) else ""
        notify(
            kinds.SIGNATURE_PROPOSED,
            organization_admins(organization),
            obj=campaign,
            context=context,
            actor=actor if isinstance(actor, Account) else None,
        )
    return signature


@transaction.atomic
def organization_signature_confirm(
    *, actor: User, signature: OrganizationSignature
) -> OrganizationSignature:
    signature = (
        OrganizationSignature.objects.select_for_update()
        .select_related("campaign", "organization")
        .get(pk=signature.pk)
    )
    _require(actor, "campaigns.sign_for_organization", signature.organization)
    _check_open(signature.campaign)
    if signature.state != O.PROPOSED:
        raise ValidationError(_("This proposal has already been answered."))
    signature.state = O.SIGNED
    signature.signed_at = timezone.now()
    signature.signed_by = actor if isinstance(actor, Account) else None
    signature.save(update_fields=["state", "signed_at", "signed_by"])
    _count(signature.campaign_id, organizations=1)
    audit_log_record(
        actor=actor,
        action="campaign.organization_signed",
        obj=signature.campaign,
        data={"organization": signature.organization_id},
    )
    notify(
        kinds.ORGANIZATION_SIGNED,
        organization_members(signature.organization),
        obj=signature.campaign,
        context={
            "organization": signature.organization.name,
            "campaign": in_languages(signature.campaign, "title"),
        },
        actor=actor if isinstance(actor, Account) else None,
    )
    return signature


@transaction.atomic
def organization_signature_withdraw(
    *, actor: User, signature: OrganizationSignature
) -> OrganizationSignature:
    """An admin withdraws the co-signing (or declines a proposal) while the
    campaign is open; staff may do so too."""
    signature = (
        OrganizationSignature.objects.select_for_update()
        .select_related("campaign", "organization")
        .get(pk=signature.pk)
    )
    _require(actor, "campaigns.withdraw_signature", signature.organization)
    _check_open(signature.campaign)
    if signature.state not in ORGANIZATION_ACTIVE:
        raise ValidationError(_("This co-signing has already been withdrawn."))
    source = signature.state
    signature.state = O.WITHDRAWN if source == O.SIGNED else O.DECLINED
    signature.withdrawn_at = timezone.now()
    signature.save(update_fields=["state", "withdrawn_at"])
    if source == O.SIGNED:
        _count(signature.campaign_id, organizations=-1)
    audit_log_record(
        actor=actor,
        action="campaign.organization_withdrawn",
        obj=signature.campaign,
        data={"organization": signature.organization_id, "from": source},
    )
    return signature


# Individuals -----------------------------------------------------------------


def normalise_email(address: str) -> str:
    """Lower case, no surrounding blanks, the domain in its IDNA (ASCII) form."""
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError({"email": _("Please enter a valid e-mail address.")})
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(
            {"email": _("Please enter a valid e-mail address.")}
        ) from None
    return f"{local}@{ascii_domain}"


def ip_hash(ip: str) -> str:
    """A keyed hash of an IP address; the address itself is never stored."""
    return hmac.new(
        f"{IP_PURPOSE}:{settings.SECRET_KEY}".encode(), ip.encode(), hashlib.sha256
    ).hexdigest()


def signature_token(signature: Signature) -> str:
    digest = salted_hmac(LINK_PURPOSE, signature.nonce, algorithm="sha256")
    return f"{signature.pk}-{digest.hexdigest()[:40]}"


def signature_for_token(token: str) -> Signature | None:
    pk, _sep, digest = token.partition("-")
    if not pk.isdigit() or not digest or len(pk) > 18:
        return None
    signature = Signature.objects.select_related("campaign").filter(pk=pk).first()
    if signature is None or not constant_time_compare(
        signature_token(signature), token
    ):
        return None
    return signature


def _language() -> str:
    known = {code for code, _name in settings.LANGUAGES}
    language = (translation.get_language() or "")[:2]
    return language if language in known else str(settings.LANGUAGE_CODE)


def _send(
    *, to: str, language: str, template: str, subject: str, context: dict[str, Any]
) -> None:
    """Queue one mail; it leaves after the current transaction commits."""
    with translation.override(language):
        body = render_to_string(
            f"campaigns/email/{template}.txt",
            {"site_name": settings.SITE_NAME, **context},
        )
        text = translation.gettext(subject) % {"campaign": context["campaign"].title}
    EmailMessage(subject=text, body=body, to=[to]).send()


def _signature_url(signature: Signature) -> str:
    return site_url() + reverse(
        "campaigns:signature", kwargs={"token": signature_token(signature)}
    )


def check_signing_limits(*, campaign: Campaign, ip: str, email: str) -> None:
    """Count one attempt against the limits per client and, for ``campaign``,
    per e-mail domain (a large provider's many signers of one campaign do not
    stop anyone signing another)."""
    domain = f"{campaign.pk}:{email.rpartition('@')[2]}"
    client_ok = ratelimit.hit(
        "campaign-client",
        ip_hash(ip),
        limit=int(settings.ALLMENDE_CAMPAIGN_RATE_PER_CLIENT),
    )
    domain_ok = ratelimit.hit(
        "campaign-domain", domain, limit=int(settings.ALLMENDE_CAMPAIGN_RATE_PER_DOMAIN)
    )
    if not (client_ok and domain_ok):
        raise TooManyAttempts


def signature_create(
    *,
    campaign: Campaign,
    name: str,
    email: str,
    postcode: str = "",
    name_public: bool = False,
    ip: str = "",
    now: datetime | None = None,
) -> Signature | None:
    """A person signs; a mail asks them to confirm.

    An address that already signed gets a mail saying so instead, and the
    caller shows the same page in both cases (``None`` is returned then), so
    the form never tells whether an address signed.
    """
    now = now or timezone.now()
    email = normalise_email(email)
    name = name.strip()
    if not campaign.individuals_may_sign:
        raise ValidationError(_("Only organizations can sign this campaign."))
    _check_open(campaign, now)
    check_signing_limits(campaign=campaign, ip=ip, email=email)
    language = _language()
    signature = Signature(
        campaign=campaign,
        name=name,
        email=email,
        postcode=postcode.strip(),
        name_public=name_public,
        consent_version=campaign.consent_version,
        ip_hash=ip_hash(ip) if ip else "",
        nonce=secrets.token_hex(16),
        language=language,
        signed_at=now,
    )
    signature.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            signature.save()
            audit_log_record(
                actor=None,
                action="campaign.signature_created",
                obj=campaign,
                data={"signature": signature.pk},
            )
            _send(
                to=email,
                language=language,
                template="confirm",
                subject=gettext_noop("Please confirm your signature: %(campaign)s"),
                context={
                    "campaign": campaign,
                    "signature": signature,
                    "url": _signature_url(signature),
                },
            )
    except IntegrityError:
        _already_signed(campaign=campaign, email=email, language=language)
        return None
    return signature


def _already_signed(*, campaign: Campaign, email: str, language: str) -> None:
    # One such mail per address and campaign in the resend window: repeating
    # the form must not flood someone's mailbox.
    if not ratelimit.once_per_window(
        "campaign-already-signed",
        f"{campaign.pk}:{email}",
        minutes=int(settings.ALLMENDE_CONFIRMATION_RESEND_MINUTES),
    ):
        return
    with transaction.atomic():
        # Someone who lost the first mail gets the confirmation link again;
        # the mail goes only to the address itself, so this reveals nothing.
        pending = Signature.objects.filter(
            campaign=campaign, email=email, state=S.PENDING
        ).first()
        _send(
            to=email,
            language=language,
            template="already_signed",
            subject=gettext_noop("You have already signed: %(campaign)s"),
            context={
                "campaign": campaign,
                "campaign_url": site_url() + campaign.get_absolute_url(),
                "url": _signature_url(pending) if pending is not None else "",
            },
        )


@transaction.atomic
def signature_confirm(
    *, signature: Signature, now: datetime | None = None
) -> Signature:
    """The signer pressed the button on the page behind the mailed link."""
    now = now or timezone.now()
    signature = (
        Signature.objects.select_for_update()
        .select_related("campaign")
        .get(pk=signature.pk)
    )
    if signature.state == S.CONFIRMED:
        return signature
    if signature.state != S.PENDING:
        raise ValidationError(_("This signature has been withdrawn."))
    _check_open(signature.campaign, now)
    signature.state = S.CONFIRMED
    signature.confirmed_at = now
    signature.save(update_fields=["state", "confirmed_at"])
    _count(signature.campaign_id, individuals=1)
    audit_log_record(
        actor=None,
        action="campaign.signature_confirmed",
        obj=signature.campaign,
        data={"signature": signature.pk},
    )
    _send(
        to=signature.email,
        language=signature.language,
        template="confirmed",
        subject=gettext_noop("Thank you for signing: %(campaign)s"),
        context={
            "campaign": signature.campaign,
            "signature": signature,
            "url": _signature_url(signature),
        },
    )
    return signature


@transaction.atomic
def signature_withdraw(
    *, signature: Signature, now: datetime | None = None
) -> Signature:
    now = now or timezone.now()
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if signature.state not in SIGNATURE_ACTIVE:
        return signature
    if signature.state == S.CONFIRMED:
        _count(signature.campaign_id, individuals=-1)
    signature.state = S.WITHDRAWN
    signature.withdrawn_at = now
    signature.save(update_fields=["state", "withdrawn_at"])
    audit_log_record(
        actor=None,
        action="campaign.signature_withdrawn",
        obj=signature.campaign,
        data={"signature": signature.pk},
    )
    return signature


@transaction.atomic
def _erase(signatures: QuerySet[Signature]) -> int:
    """Delete ``signatures``; the counters follow."""
    confirmed = (
        signatures.filter(state=S.CONFIRMED)
        .values("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in confirmed:
        _count(row["campaign_id"], individuals=-row["n"])
    deleted, _counts = signatures.delete()
    return deleted


@transaction.atomic
def signatures_erase(*, actor: User | None, emails: Iterable[str]) -> int:
    """Erase every signature of these addresses, in every campaign: for a
    person's request to delete their data, and with their account.

    ``actor`` is staff acting on a request, or ``None`` when the account
    deletion of the person does it. The log keeps the count, not the address.
    """
    if actor is not None:
        _require(actor, "campaigns.view_signatures")
    addresses = set()
    for email in emails:
        try:
            addresses.add(normalise_email(email))
        except ValidationError:
            continue
    # Locked first, so a confirmation running meanwhile is counted right.
    locked = list(
        Signature.objects.select_for_update()
        .filter(email__in=addresses)
        .values_list("id", "campaign_id")
    )
    campaign_ids = {campaign_id for _id, campaign_id in locked}
    erased = _erase(Signature.objects.filter(pk__in=[pk for pk, _c in locked]))
    for campaign in Campaign.objects.filter(pk__in=campaign_ids):
        audit_log_record(
            actor=actor,
            action="campaign.signatures_erased",
            obj=campaign,
            data={"signatures": erased},
        )
    return erased


def signatures_anonymise_after_retention(*, now: datetime | None = None) -> int:
    """Remove signers' personal data once the retention period after their
    campaign closed has passed. Confirmed signatures keep counting; the ones
    never confirmed go."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.ALLMENDE_CAMPAIGN_RETENTION_DAYS))
    campaigns = Campaign.objects.filter(
        state__in=[C.CLOSED, C.ARCHIVED], closed_at__lt=cutoff
    )
    changed = 0
    for campaign in campaigns:
        with transaction.atomic():
            signatures = Signature.objects.filter(
                campaign=campaign, anonymised_at__isnull=True
            )
            _erase(signatures.filter(state=S.PENDING))
            # One address per row keeps the unique index satisfied.
            count = signatures.update(
                name="",
                email=Concat(
                    Value("anonymised-"),
                    Cast("id", output_field=CharField()),
                    Value("@anonymised.invalid"),
                ),
                postcode="",
                name_public=False,
                ip_hash="",
                nonce="",
                anonymised_at=now,
            )
            if count:
                audit_log_record(
                    actor=None,
                    action="campaign.signatures_anonymised",
                    obj=campaign,
                    data={"signatures": count},
                )
            changed += count
    return changed


def signatures_delete_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete signatures whose address was not confirmed in time."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.ALLMENDE_CAMPAIGN_UNCONFIRMED_DAYS))
    return _erase(Signature.objects.filter(state=S.PENDING, signed_at__lt=cutoff))


# Exports ---------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx")


@transaction.atomic
def signatures_export(*, actor: User, campaign: Campaign, fmt: str) -> bytes:
    """The confirmed signatures as a file; who exported what is logged."""
    _require(actor, "campaigns.export_signatures", campaign)
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(_("Unknown file format."))
    with_email = bool(getattr(actor, "is_staff", False))
    signatures = selectors.signatures_for_export(campaign=campaign)
    rows = exports.signature_rows(signatures, with_email=with_email)
    audit_log_record(
        actor=actor,
        action="campaign.signatures_exported",
        obj=campaign,
        data={"format": fmt, "rows": len(signatures), "email": with_email},
    )
    if fmt == "csv":
        return exports.rows_csv(rows)
    return exports.rows_xlsx(rows, _("Signatures"))


@transaction.atomic
def consent_proof(
    *, actor: User, email: str, campaign: Campaign | None = None
) -> list[exports.ConsentRecord]:
    """What ``email`` signed, when, and under which consent text: for a
    request about one's data. Staff may look across campaigns, the
    organization running a campaign within it. The lookup is logged without
    the address."""
    _require(actor, "campaigns.export_signatures", campaign)
    if campaign is None and not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("You are not allowed to do this."))
    records = selectors.consent_records(email=normalise_email(email), campaign=campaign)
    audit_log_record(
        actor=actor,
        action="campaign.consent_proof",
        obj=campaign,
        data={"signatures": len(records)},
    )
    return records
