"""Every change to calls, their forms and applications."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Model
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.core import files
from allmende.core.search import index_changed, index_object
from allmende.core.services import audit_log_record
from allmende.notifications.registry import in_languages
from allmende.notifications.services import notify
from allmende.organizations.models import Membership, Organization
from allmende.programmes import answers as answer_rules
from allmende.programmes import notifications
from allmende.programmes.models import (
    Application,
    ApplicationComment,
    ApplicationFile,
    ApplicationRevision,
    Call,
    CoApplicant,
    FormField,
    FormVersion,
)
from allmende.programmes.models.applications import (
    APPLICANT,
    DECIDED_STATES,
    STAFF,
    transition_allowed,
)
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.models.calls import call_transition_allowed
from allmende.programmes.models.forms import CHOICE_KINDS
from allmende.programmes.models.forms import FieldKind as K
from allmende.programmes.models.team import INVITATION_DAYS
from allmende.programmes.rules import eligible_organizations, organization_eligible


def _require(actor: User, permission: str, obj: Model | None = None) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def _require_aware(**values: datetime | None) -> None:
    errors = {
        name: _("Please give this time with its time zone.")
        for name, value in values.items()
        if value is not None and timezone.is_naive(value)
    }
    if errors:
        raise ValidationError(errors)


# Calls


class CallData(TypedDict):
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    eligibility: str
    legal_forms: list[str]
    regions: list[str]
    individuals_allowed: bool
    partners_allowed: bool
    opens_at: datetime
    closes_at: datetime
    budget: Decimal | None
    expected_projects: int | None
    contact_name: str
    contact_email: str


def check_pdf(upload: UploadedFile) -> None:
    """Refuse an attachment that is not a PDF, whatever its name says."""
    if files.document_extension(upload) != "pdf":
        raise ValidationError(
            {"attachment": _("This file is not a PDF. Please choose a PDF file.")}
        )


def call_index(call: Call) -> None:
    index_object(
        call,
        title=f"{call.title_de} {call.title_en}".strip(),
        body=f"{call.description_de} {call.description_en}",
    )


# Addresses under /calls/ that are not calls.
RESERVED_SLUGS = frozenset({"new", "my", "applications", "invitations", "reviews"})


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "call"
    if base in RESERVED_SLUGS:
        base = f"{base}-call"
    slug, counter = base, 2
    while Call.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


@transaction.atomic
def call_create(
    *, actor: User, data: CallData, attachment: UploadedFile | None = None
) -> Call:
    _require(actor, "programmes.add_call")
    _require_aware(opens_at=data["opens_at"], closes_at=data["closes_at"])
    call = Call(**data, slug=_unique_slug(data["title_de"]), created_by=actor)
    if attachment is not None:
        check_pdf(attachment)
        call.attachment.save("call.pdf", attachment, save=False)
    call.full_clean()
    call.save()
    FormVersion.objects.create(call=call, number=1)
    audit_log_record(actor=actor, action="call.created", obj=call)
    call_index(call)
    return call


@transaction.atomic
def call_update(
    *,
    actor: User,
    call: Call,
    data: CallData,
    attachment: UploadedFile | None = None,
    remove_attachment: bool = False,
) -> Call:
    _require(actor, "programmes.change_call", call)
    _require_aware(opens_at=data["opens_at"], closes_at=data["closes_at"])
    # Compared with, and written to, the stored row: ``call`` may be a form's
    # instance already changed, and its state may have moved meanwhile.
    locked = Call.objects.select_for_update().get(pk=call.pk)
    changed = sorted(
        name for name, value in data.items() if getattr(locked, name) != value
    )
    for name, value in data.items():
        setattr(locked, name, value)
    if attachment is not None:
        check_pdf(attachment)
        locked.attachment.save("call.pdf", attachment, save=False)
        changed.append("attachment")
    elif remove_attachment and locked.attachment:
        locked.attachment = ""
        changed.append("attachment")
    locked.full_clean()
    locked.save(update_fields=[*data, "attachment", "updated_at"])
    audit_log_record(
        actor=actor, action="call.changed", obj=locked, data={"fields": changed}
    )
    call_index(locked)
    return locked


@transaction.atomic
def call_transition(
    *, actor: User | None, call: Call, target: str, role: str = STAFF
) -> Call:
    """Move ``call`` to ``target`` as ``role`` (staff, or the system)."""
    if role == STAFF:
        if actor is None:
            raise PermissionDenied(_("You are not allowed to do this."))
        _require(actor, "programmes.change_call", call)
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if not call_transition_allowed(locked.state, target, role):
        raise ValidationError(_("A call in this state cannot be changed like this."))
    if target == "draft" and locked.applications.exists():
        # Applicants would lose sight of the call their application belongs to.
        raise ValidationError(
            _(
                "This call already has applications and cannot go back to draft; "
                "please close it instead."
            )
        )
    if (
        target == "published"
        and not form_current_version(locked).fields.exclude(kind=K.HEADING).exists()
    ):
        raise ValidationError(
            _("Please add at least one question to the application form first.")
        )
    source = locked.state
    locked.state = target
    locked.save(update_fields=["state", "updated_at"])
    index_changed()
    audit_log_record(
        actor=actor,
        action="call.state_changed",
        obj=locked,
        data={"from": source, "to": target, "role": role},
    )
    call.state = target
    return locked


def calls_close_due(*, now: datetime | None = None) -> int:
    """Close the published calls whose closing time has passed (the system).

    Safe to run twice: each call is moved under a row lock from the state it
    has then. Submissions are refused by their own check of the closing time,
    so a call that is closed a minute late lets nobody in late.
    """
    now = now or timezone.now()
    closed = 0
    for call in Call.objects.filter(state="published", closes_at__lte=now):
        try:
            call_transition(actor=None, call=call, target="closed", role="system")
        except ValidationError:
            # Closed meanwhile by another run, or by staff: nothing to do.
            continue
        closed += 1
    return closed


# The application form


class FieldData(TypedDict):
    kind: str
    label_de: str
    label_en: str
    help_de: str
    help_en: str
    required: bool
    max_chars: int | None
    max_words: int | None
    choices: list[dict[str, str]]
    allowed_types: list[str]
    max_bytes: int | None
    columns: list[dict[str, str]]


def form_current_version(call: Call) -> FormVersion:
    """The newest version of ``call``'s form: the one new applications use."""
    version = call.form_versions.order_by("-number").first()
    if version is None:
        version = FormVersion.objects.create(call=call, number=1)
    return version


def form_editable_version(*, actor: User, call: Call) -> FormVersion:
    """The version staff's next change goes into.

    Once an application was started on the newest version, it is copied into a
    new one: applications keep the fields they were written against.
    """
    _require(actor, "programmes.change_form", call)
    current = form_current_version(call)
    if not current.applications.exists():
        return current
    version = FormVersion.objects.create(call=call, number=current.number + 1)
    copies = []
    for field in current.fields.all():
        field.pk = None
        field.version = version
        copies.append(field)
    FormField.objects.bulk_create(copies)
    audit_log_record(
        actor=actor,
        action="call.form_versioned",
        obj=call,
        data={"version": version.number},
    )
    return version


def _check_field(field: FormField) -> None:
    errors: dict[str, str] = {}
    if field.kind in CHOICE_KINDS and len(field.choices) < 2:
        errors["choices"] = _("Please give at least two options, one per line.")
    if field.kind == K.TABLE and not field.columns:
        errors["columns"] = _("Please give at least one column, one per line.")
    if field.kind == K.FILE and not field.allowed_types:
        field.allowed_types = ["pdf"]
    if errors:
        raise ValidationError(errors)


def _new_key(version: FormVersion, label: str) -> str:
    base = slugify(label)[:50].replace("-", "_") or "field"
    key, counter = base, 2
    # Keys are unique across every version of the call, so a deleted field's
    # answers are never read as another field's.
    taken = set(
        FormField.objects.filter(version__call_id=version.call_id).values_list(
            "key", flat=True
        )
    )
    while key in taken:
        key = f"{base}_{counter}"
        counter += 1
    return key


@transaction.atomic
def form_field_add(*, actor: User, call: Call, data: FieldData) -> FormField:
    version = form_editable_version(actor=actor, call=call)
    last = version.fields.aggregate(last=Max("position"))["last"]
    field = FormField(
        version=version,
        key=_new_key(version, data["label_en"] or data["label_de"]),
        position=(last or 0) + 1,
        **data,
    )
    _check_field(field)
    field.full_clean()
    field.save()
    audit_log_record(
        actor=actor,
        action="call.form_field_added",
        obj=call,
        data={"key": field.key, "version": version.number},
    )
    return field


def _field_of(version: FormVersion, key: str) -> FormField:
    try:
        return version.fields.get(key=key)
    except FormField.DoesNotExist:
        raise ValidationError(_("This question no longer exists.")) from None


@transaction.atomic
def form_field_update(
    *, actor: User, call: Call, key: str, data: FieldData
) -> FormField:
    version = form_editable_version(actor=actor, call=call)
    field = _field_of(version, key)
    for name, value in data.items():
        setattr(field, name, value)
    _check_field(field)
    field.full_clean()
    field.save()
    audit_log_record(
        actor=actor,
        action="call.form_field_changed",
        obj=call,
        data={"key": key, "version": version.number},
    )
    return field


@transaction.atomic
def form_field_delete(*, actor: User, call: Call, key: str) -> None:
    version = form_editable_version(actor=actor, call=call)
    _field_of(version, key).delete()
    audit_log_record(
        actor=actor,
        action="call.form_field_deleted",
        obj=call,
        data={"key": key, "version": version.number},
    )


@transaction.atomic
def form_field_move(*, actor: User, call: Call, key: str, up: bool) -> None:
    version = form_editable_version(actor=actor, call=call)
    fields = list(version.fields.order_by("position", "id"))
    index = next((i for i, f in enumerate(fields) if f.key == key), None)
    if index is None:
        raise ValidationError(_("This question no longer exists."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(fields):
        return
    fields[index], fields[other] = fields[other], fields[index]
    for position, field in enumerate(fields, start=1):
        if field.position != position:
            FormField.objects.filter(pk=field.pk).update(position=position)
    audit_log_record(
        actor=actor,
        action="call.form_field_moved",
        obj=call,
        data={"key": key, "up": up, "version": version.number},
    )


# Applications


class DeadlinePassed(ValidationError):
    """The call closed before the application was submitted."""


def _not_open_message(call: Call, now: datetime) -> str:
    if call.is_upcoming(now):
        return _("This call is not open yet.")
    return _(
        "This call closed on %(time)s. Applications can no longer be submitted; "
        "your draft is kept."
    ) % {"time": timezone.localtime(call.closes_at).strftime("%d.%m.%Y %H:%M")}


@transaction.atomic
def application_start(
    *,
    actor: User,
    call: Call,
    organization: Organization | None,
    now: datetime | None = None,
) -> Application:
    now = now or timezone.now()
    _require(actor, "programmes.apply", call)
    if not call.is_open(now):
        raise ValidationError(_not_open_message(call, now))
    if organization is None:
        if not call.individuals_allowed:
            raise ValidationError(_("Please choose the organization you apply for."))
        existing = Application.objects.filter(
            call=call, applicant=actor, organization=None
        ).exclude(state=A.WITHDRAWN)
    else:
        if organization not in eligible_organizations(actor, call) or (
            not organization_eligible(call, organization)
        ):
            raise PermissionDenied(_("This organization may not apply to this call."))
        existing = Application.objects.filter(
            call=call, organization=organization
        ).exclude(state=A.WITHDRAWN)
    if existing.exists():
        raise ValidationError(
            _("There is already an application to this call for %(who)s.")
            % {"who": organization.name if organization else actor.get_username()}
        )
    application = Application.objects.create(
        call=call,
        form_version=form_current_version(call),
        applicant=actor,
        organization=organization,
    )
    audit_log_record(actor=actor, action="application.started", obj=application)
    return application


def _editable_fields(application: Application) -> list[FormField]:
    return [
        field
        for field in application.form_version.fields.all()
        if field.holds_answer and application.field_editable(field.key)
    ]


@transaction.atomic
def application_save(
    *, actor: User, application: Application, data: QueryDict
) -> SaveErrors:
    """Keep what ``data`` holds for the fields the applicant may change.

    Everything typed is kept, even an answer with errors; the errors (per field
    key) are returned to be shown beside the fields.
    """
    _require(actor, "programmes.edit_application", application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_editable:
        raise ValidationError(_("This application can no longer be changed."))
    errors = SaveErrors()
    changed: list[str] = []
    for field in _editable_fields(locked):
        present, value = answer_rules.read(field, data)
        if not present:
            continue
        value = answer_rules.normalized(field, value)
        stored = locked.answers.get(field.key)
        stamp = locked.answer_stamps.get(field.key, 0)
        if stored == value:
            continue
        if _saved_meanwhile(data, field.key, stamp):
            errors[field.key] = [_conflict_message(field, stored, value)]
            errors.conflicts.add(field.key)
            continue
        messages = answer_rules.field_errors(field, value)
        if messages:
            errors[field.key] = messages
        locked.answers[field.key] = value
        locked.answer_stamps[field.key] = stamp + 1
        changed.append(field.key)
    if changed:
        locked.save(update_fields=["answers", "answer_stamps", "updated_at"])
    application.answers = locked.answers
    application.answer_stamps = locked.answer_stamps
    return errors


class SaveErrors(dict[str, list[str]]):
    """Errors per field key; ``conflicts`` names the answers that were not
    saved because someone else saved them meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: set[str] = set()


def _saved_meanwhile(data: QueryDict, key: str, stamp: int) -> bool:
    """Whether the answer was saved by someone else since the page that sends
    ``data`` read it (the page sends the count it read as ``stamp-<key>``)."""
    seen = data.get(f"stamp-{key}")
    if seen is None:
        return False
    try:
        return int(seen) < stamp
    except ValueError:
        return True


def _conflict_message(field: FormField, stored: Any, yours: Any) -> str:
    return _(
        "Someone else changed this answer while you were writing; your text "
        "has not been saved. Saved version: “%(saved)s”. Your version: "
        "“%(yours)s”. Please reload the page and merge the two."
    ) % {
        "saved": answer_rules.display(field, stored),
        "yours": answer_rules.display(field, yours),
    }


@transaction.atomic
def application_upload(
    *, actor: User, application: Application, key: str, upload: UploadedFile
) -> ApplicationFile:
    _require(actor, "programmes.edit_application", application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.field_editable(key):
        raise ValidationError(_("This answer can no longer be changed."))
    field = _field_of(locked.form_version, key)
    if field.kind != K.FILE:
        raise ValidationError(_("This question does not take a file."))
    limit = field.max_bytes or answer_rules.DEFAULT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                key: _("This file is too large: at most %(limit)s are allowed.")
                % {"limit": _size(limit)}
            }
        )
    extension = files.document_extension(upload)
    if extension not in field.file_types:
        raise ValidationError(
            {
                key: _("This type of file is not allowed here. Allowed: %(types)s.")
                % {"types": ", ".join(t.upper() for t in field.file_types)}
            }
        )
    # The file it replaces goes, row now and content once this has committed.
    replaced = ApplicationFile.objects.filter(application=locked, field_key=key)
    names = [old.file.name for old in replaced if old.file.name]
    replaced.delete()
    if names:
        transaction.on_commit(partial(_delete_files, names), robust=True)
    stored = ApplicationFile(
        application=locked,
        field_key=key,
        original_name=(upload.name or "file")[:200],
        size=upload.size,
    )
    stored.file.save(f"upload.{extension}", upload, save=False)
    stored.save()
    locked.answers[key] = stored.pk
    locked.save(update_fields=["answers", "updated_at"])
    application.answers = locked.answers
    audit_log_record(
        actor=actor,
        action="application.file_added",
        obj=locked,
        data={"field": key, "size": upload.size},
    )
    return stored


def _delete_files(names: list[str]) -> None:
    storage = files.private_storage()
    for name in names:
        storage.delete(name)


def _size(size: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(size))


@transaction.atomic
def application_submit(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """Submit (or, after a question, resubmit) ``application``.

    The closing time is checked here, at the moment of submission; a late
    submission is refused and the draft stays as it is.
    """
    now = now or timezone.now()
    _require(actor, "programmes.edit_application", application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not transition_allowed(locked.state, A.SUBMITTED, APPLICANT):
        raise ValidationError(_("This application has already been submitted."))
    call = locked.call
    # A question from staff may be answered after the closing time.
    if locked.state == A.DRAFT and not call.is_open(now):
        raise DeadlinePassed(_not_open_message(call, now))
    organization = locked.organization
    if organization is not None and not organization_eligible(call, organization):
        raise ValidationError(
            _(
                "%(organization)s no longer meets the conditions of this call, "
                "so the application cannot be submitted."
            )
            % {"organization": organization.name}
        )
    errors = answer_rules.full_check(
        list(locked.form_version.fields.all()), locked.answers
    )
    if errors:
        raise ValidationError(errors)
    source = locked.state
    ApplicationRevision.objects.create(
        application=locked,
        number=locked.revisions.count() + 1,
        answers=dict(locked.answers),
        submitted_by=actor,
        submitted_at=now,
    )
    locked.state = A.SUBMITTED
    locked.submitted_at = now
    locked.reopened_fields = []
    locked.save(
        update_fields=["state", "submitted_at", "reopened_fields", "updated_at"]
    )
    audit_log_record(
        actor=actor,
        action="application.submitted",
        obj=locked,
        data={"from": source, "to": A.SUBMITTED},
    )
    notify(
        notifications.APPLICATION_RECEIVED,
        actor,
        obj=locked,
        context={"call": in_languages(call, "title")},
        include_actor=True,
    )
    application.state = locked.state
    return locked


@transaction.atomic
def application_withdraw(*, actor: User, application: Application) -> Application:
    _require(actor, "programmes.withdraw_application", application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not transition_allowed(locked.state, A.WITHDRAWN, APPLICANT):
        raise ValidationError(_("This application can no longer be withdrawn."))
    source = locked.state
    locked.state = A.WITHDRAWN
    locked.save(update_fields=["state", "updated_at"])
    audit_log_record(
        actor=actor,
        action="application.withdrawn",
        obj=locked,
        data={"from": source, "to": A.WITHDRAWN},
    )
    application.state = locked.state
    return locked


@transaction.atomic
def application_transition(
    *,
    actor: User,
    application: Application,
    target: str,
    expected_state: str | None = None,
    question: str = "",
    reopened_fields: list[str] | None = None,
    message: str = "",
    now: datetime | None = None,
) -> Application:
    """Staff move ``application`` to ``target``.

    ``expected_state`` is the state staff saw; if someone else has moved the
    application meanwhile, the change is refused instead of acting on a state
    nobody looked at. Asking for more information needs ``question`` and the
    fields to reopen; a decision carries ``message`` to the applicant.
    """
    now = now or timezone.now()
    _require(actor, "programmes.manage_applications", application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if expected_state is not None and locked.state != expected_state:
        raise ValidationError(
            _(
                "Someone else has changed this application meanwhile; it is now "
                "“%(state)s”. Please check it again."
            )
            % {"state": locked.get_state_display()}
        )
    if not transition_allowed(locked.state, target, STAFF):
        raise ValidationError(_("An application in this state cannot be moved there."))
    fields: dict[str, Any] = {"state": target}
    if target == A.MORE_INFORMATION:
        keys = {f.key for f in locked.form_version.fields.all() if f.holds_answer}
        chosen = [key for key in (reopened_fields or []) if key in keys]
        if not question.strip() or not chosen:
            raise ValidationError(
                _("Please write your question and choose the answers to reopen.")
            )
        fields.update(question=question.strip(), reopened_fields=chosen)
    if target in (A.ACCEPTED, A.REJECTED):
        fields.update(decision_message=message.strip(), decided_at=now)
    source = locked.state
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    audit_log_record(
        actor=actor,
        action="application.state_changed",
        obj=locked,
        data={"from": source, "to": target},
    )
    kind = {
        A.MORE_INFORMATION: notifications.APPLICATION_QUESTION,
        A.ACCEPTED: notifications.APPLICATION_DECIDED,
        A.REJECTED: notifications.APPLICATION_DECIDED,
    }.get(A(target), notifications.APPLICATION_STATUS)
    notify(
        kind,
        locked.applicant,
        obj=locked,
        context={"call": in_languages(locked.call, "title")},
    )
    application.state = locked.state
    return locked


# Co-applicants


def _partner_organization(
    application: Application, invitee: User
) -> tuple[bool, Organization | None]:
    """Whether ``invitee`` may join ``application``, and as a member of which
    partner organization (none: a member of the applying organization)."""
    if (
        application.organization_id is not None
        and Membership.objects.filter(
            organization_id=application.organization_id, user=invitee
        ).exists()
    ):
        return True, None
    if not application.call.partners_allowed:
        return False, None
    partner = (
        Organization.objects.filter(memberships__user=invitee)
        .exclude(pk=application.organization_id or 0)
        .order_by("name")
        .first()
    )
    return partner is not None, partner


@transaction.atomic
def co_applicant_invite(
    *,
    actor: User,
    application: Application,
    email: str,
    role: str,
    now: datetime | None = None,
) -> CoApplicant:
    """Invite the person registered with ``email`` to ``application``."""
    now = now or timezone.now()
    _require(actor, "programmes.manage_team", application)
    if application.state in DECIDED_STATES or application.state == A.WITHDRAWN:
        raise ValidationError(_("This application is closed; nobody can join it."))
    invitee = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if invitee is None:
        raise ValidationError(
            {"email": _("Nobody is registered with this e-mail address.")}
        )
    if invitee.pk == application.applicant_id:
        raise ValidationError({"email": _("You are the applicant yourself.")})
    allowed, partner = _partner_organization(application, invitee)
    if not allowed:
        raise ValidationError(
            {
                "email": _(
                    "Only members of the applying organization (and, where the "
                    "call allows it, of partner organizations) can be invited."
                )
            }
        )
    # An earlier invitation that expired or was declined makes way.
    CoApplicant.objects.filter(
        application=application, user=invitee, revoked_at__isnull=True
    ).filter(accepted_at__isnull=True, expires_at__lte=now).update(revoked_at=now)
    if CoApplicant.objects.filter(
        application=application, user=invitee, revoked_at__isnull=True
    ).exists():
        raise ValidationError({"email": _("This person is already invited.")})
    place = CoApplicant(
        application=application,
        user=invitee,
        organization=partner,
        role=role,
        invited_by=actor,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    place.full_clean()
    place.save()
    audit_log_record(
        actor=actor,
        action="application.co_applicant_invited",
        obj=application,
        data={"user": invitee.pk, "role": role},
    )
    notify(
        notifications.CO_APPLICANT_INVITED,
        invitee,
        obj=place,
        actor=actor,
        context={"call": in_languages(application.call, "title")},
        url=reverse("programmes:invitation", kwargs={"pk": place.pk}),
    )
    return place


@transaction.atomic
def co_applicant_answer(
    *,
    actor: User,
    place: CoApplicant,
    accept: bool,
    now: datetime | None = None,
) -> CoApplicant:
    """The invitee accepts or declines their invitation."""
    now = now or timezone.now()
    locked = CoApplicant.objects.select_for_update().get(pk=place.pk)
    if locked.user_id != actor.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    if not locked.is_pending(now):
        raise ValidationError(
            _("This invitation has expired or was withdrawn; please ask for a new one.")
        )
    if accept:
        locked.accepted_at = now
    else:
        locked.revoked_at = now
    locked.save(update_fields=["accepted_at", "revoked_at"])
    audit_log_record(
        actor=actor,
        action="application.co_applicant_" + ("accepted" if accept else "declined"),
        obj=locked.application,
    )
    return locked


@transaction.atomic
def co_applicant_remove(
    *, actor: User, place: CoApplicant, now: datetime | None = None
) -> None:
    """The applicant takes an invitation back or removes a co-applicant; a
    co-applicant may also leave."""
    now = now or timezone.now()
    locked = CoApplicant.objects.select_for_update().get(pk=place.pk)
    if locked.user_id != actor.pk:
        _require(actor, "programmes.manage_team", locked.application)
    if locked.revoked_at is None:
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        audit_log_record(
            actor=actor,
            action="application.co_applicant_removed",
            obj=locked.application,
            data={"user": locked.user_id},
        )


@transaction.atomic
def application_comment(
    *, actor: User, application: Application, text: str
) -> ApplicationComment:
    _require(actor, "programmes.comment_application", application)
    comment = ApplicationComment(
        application=application, author=actor, text=text.strip()
    )
    comment.full_clean()
    comment.save()
    audit_log_record(actor=actor, action="application.commented", obj=application)
    return comment
