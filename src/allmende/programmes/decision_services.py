"""Decision letters from templates, one application or many at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from allmende.accounts.models import User
from allmende.core.services import audit_log_record
from allmende.core.translation import translated
from allmende.programmes.models import Application, Call, DecisionTemplate
from allmende.programmes.models.reviews import ReviewState
from allmende.programmes.services import application_transition


def _require(actor: User, permission: str, call: Call) -> None:
    if not actor.has_perm(permission, call):
        raise PermissionDenied(_("You are not allowed to do this."))


class TemplateData(TypedDict):
    outcome: str
    name: str
    body_de: str
    body_en: str


@transaction.atomic
def decision_template_add(
    *, actor: User, call: Call, data: TemplateData
) -> DecisionTemplate:
    _require(actor, "programmes.manage_applications", call)
    template = DecisionTemplate(call=call, **data)
    template.full_clean()
    template.save()
    audit_log_record(
        actor=actor,
        action="call.decision_template_added",
        obj=call,
        data={"id": template.pk},
    )
    return template


@transaction.atomic
def decision_template_delete(*, actor: User, template: DecisionTemplate) -> None:
    _require(actor, "programmes.manage_applications", template.call)
    audit_log_record(
        actor=actor,
        action="call.decision_template_deleted",
        obj=template.call,
        data={"name": template.name},
    )
    template.delete()


def applicant_language(application: Application) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    language = application.applicant.language
    return language if language in codes else settings.LANGUAGE_CODE[:2]


def decision_letter(template: DecisionTemplate, application: Application) -> str:
    """``template`` filled in for ``application``, in the applicant's language
    (German when the template has no English text)."""
    with override(applicant_language(application)):
        applicant = application.applicant
        name = applicant.get_full_name() or applicant.get_username()
        comments = "\n\n".join(
            text
            for text in application.reviews.filter(
                state=ReviewState.SUBMITTED
            ).values_list("comment_applicant", flat=True)
            if text
        )
        values = {
            "applicant": name,
            "organization": application.organization.name
            if application.organization
            else name,
            "call": application.call.title,
            "date": date_format(timezone.localdate(), "DATE_FORMAT"),
            "comments": comments,
        }
        body = translated(template, "body")
    try:
        return body.format(**values).strip()
    except (KeyError, ValueError, IndexError):
        # Checked when the template was saved; an older one is sent as written.
        return body.strip()


@dataclass
class BatchResult:
    decided: list[Application] = field(default_factory=list)
    failed: list[tuple[Application, str]] = field(default_factory=list)


def applications_decide(
    *,
    actor: User,
    call: Call,
    chosen: list[tuple[int, str]],
    template: DecisionTemplate,
) -> BatchResult:
    """Decide several applications of ``call`` with ``template``'s outcome.

    ``chosen`` pairs each application's id with the state staff confirmed; an
    application someone else moved meanwhile is left out and reported, the
    others are decided each in its own transaction, with its letter in its
    applicant's language and the (mandatory) notification.
    """
    _require(actor, "programmes.manage_applications", call)
    if template.call_id != call.pk:
        raise ValidationError(_("This template belongs to another call."))
    applications = {
        a.pk: a
        for a in Application.objects.filter(
            call=call, pk__in=[pk for pk, _state in chosen]
        ).select_related("applicant", "organization", "call")
    }
    result = BatchResult()
    for pk, expected in chosen:
        application = applications.get(pk)
        if application is None:
            continue
        try:
            application_transition(
                actor=actor,
                application=application,
                target=template.outcome,
                expected_state=expected,
                message=decision_letter(template, application),
            )
        except ValidationError as exc:
            result.failed.append((application, " ".join(exc.messages)))
        else:
            result.decided.append(application)
    audit_log_record(
        actor=actor,
        action="call.batch_decision",
        obj=call,
        data={
            "outcome": template.outcome,
            "decided": [a.pk for a in result.decided],
            "failed": [a.pk for a, _message in result.failed],
        },
    )
    return result
