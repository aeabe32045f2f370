"""Every change to experience reports and to the tools organizations use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.core.search import index_object
from allmende.core.services import audit_log_record
from allmende.knowledge.models import (
    EDITOR_GROUP,
    Report,
    ReportState,
    ReportVote,
    SuggestionState,
    Tool,
    ToolSuggestion,
    ToolUse,
)
from allmende.knowledge.models.reports import report_transition_allowed
from allmende.knowledge.rules import organization_roles
from allmende.notifications.services import notify, organization_admins

if TYPE_CHECKING:
    from allmende.accounts.models import User
    from allmende.core.models import FocusArea
    from allmende.organizations.models import Organization


class ReportData(TypedDict):
    """The text of a report (the form's output)."""

    title: str
    language: str
    summary: str
    tried: str
    worked: str
    did_not_work: str
    effort: str
    tips: str


def report_index(report: Report) -> None:
    index_object(
        report,
        title=report.title,
        body=" ".join(
            [
                report.summary,
                report.organization.name,
                " ".join(tool.name for tool in report.tools.all()),
                report.tried,
                report.worked,
                report.did_not_work,
                report.effort,
                report.tips,
            ]
        ),
    )


def _apply(
    report: Report,
    data: ReportData,
    tools: Iterable[Tool],
    focus_areas: Iterable[FocusArea],
) -> None:
    for name, value in data.items():
        setattr(report, name, value.strip() if isinstance(value, str) else value)
    report.full_clean()
    report.save()
    report.tools.set(list(tools))
    report.focus_areas.set(list(focus_areas))


@transaction.atomic
def report_create(
    *,
    actor: User,
    organization: Organization,
    data: ReportData,
    tools: Iterable[Tool],
    focus_areas: Iterable[FocusArea] = (),
) -> Report:
    """A member of ``organization`` starts a report (a draft)."""
    if not actor.has_perm("knowledge.add_report", organization):
        raise PermissionDenied(_("Only members of the organization write its reports."))
    report = Report(organization=organization, author=actor)
    _apply(report, data, tools, focus_areas)
    audit_log_record(actor=actor, action="report.created", obj=report)
    report_index(report)
    return report


@transaction.atomic
def report_update(
    *,
    actor: User,
    report: Report,
    data: ReportData,
    tools: Iterable[Tool],
    focus_areas: Iterable[FocusArea] = (),
) -> Report:
    """Change a draft (members of the report's organization)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not actor.has_perm("knowledge.change_report", report):
        raise PermissionDenied(
            _("Only members of the organization change a report that is not public.")
        )
    _apply(report, data, tools, focus_areas)
    audit_log_record(actor=actor, action="report.updated", obj=report)
    report_index(report)
    return report


@transaction.atomic
def report_transition(
    *, actor: User, report: Report, target: str, reason: str = ""
) -> Report:
    """Publish, withdraw or take down a report, as its transition table allows."""
    report = (
        Report.objects.select_for_update()
        .select_related("organization")
        .get(pk=report.pk)
    )
    source = report.state
    roles = organization_roles(actor, report.organization)
    if not report_transition_allowed(source, target, roles):
        raise PermissionDenied(_("You are not allowed to do this."))
    if target == ReportState.UNPUBLISHED and not reason.strip():
        raise ValidationError(
            {"reason": _("Please tell the organization why it is taken down.")}
        )
    report.state = target
    if target == ReportState.PUBLISHED:
        report.published_at = timezone.now()
        report.takedown_reason = ""
    if target == ReportState.UNPUBLISHED:
        report.takedown_reason = reason.strip()
    report.full_clean()
    report.save()
    audit_log_record(
        actor=actor,
        action="report.state_changed",
        obj=report,
        data={"from": source, "to": target},
    )
    if target == ReportState.UNPUBLISHED:
        notify(
            "knowledge.report_taken_down",
            organization_admins(report.organization),
            obj=report,
            actor=actor,
            context={"title": report.title, "reason": report.takedown_reason},
        )
    return report


def report_vote(*, actor: User, report: Report) -> bool:
    """Mark a published report as helpful, once per person; whether this
    vote was new."""
    if not actor.is_authenticated or not report.is_published:
        raise PermissionDenied(_("You are not allowed to do this."))
    try:
        with transaction.atomic():
            ReportVote.objects.create(report=report, user=actor)
            Report.objects.filter(pk=report.pk).update(
                helpful_count=F("helpful_count") + 1
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def tool_use_set(
    *, actor: User, organization: Organization, tool: Tool, used: bool
) -> None:
    """Say on ``organization``'s behalf that it uses ``tool``, or no longer."""
    if not actor.has_perm("knowledge.mark_tool_use", organization):
        raise PermissionDenied(_("You are not allowed to do this."))
    if used:
        _use, created = ToolUse.objects.get_or_create(
            organization=organization, tool=tool
        )
        changed = created
    else:
        changed = bool(
            ToolUse.objects.filter(organization=organization, tool=tool).delete()[0]
        )
    if changed:
        audit_log_record(
            actor=actor,
            action="tool.use_marked" if used else "tool.use_unmarked",
            obj=tool,
            data={"organization": organization.pk},
        )


@transaction.atomic
def tool_suggestion_create(
    *,
    actor: User,
    organization: Organization,
    text: str,
    tool: Tool | None = None,
    name: str = "",
    homepage_url: str = "",
) -> ToolSuggestion:
    """A member of ``organization`` suggests a new tool (``name``) or a
    change of ``tool``; staff and editors are told."""
    if not actor.has_perm("knowledge.add_report", organization):
        raise PermissionDenied(
            _("Only members of an organization suggest tools on its behalf.")
        )
    suggestion = ToolSuggestion(
        organization=organization,
        suggested_by=actor,
        tool=tool,
        name="" if tool is not None else name.strip(),
        homepage_url=homepage_url.strip(),
        text=text.strip(),
    )
    suggestion.full_clean()
    suggestion.save()
    audit_log_record(actor=actor, action="tool_suggestion.created", obj=suggestion)
    notify(
        "knowledge.tool_suggested",
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(groups__name=EDITOR_GROUP))
        .distinct(),
        obj=tool,
        actor=actor,
        url=reverse("knowledge:suggestion_list"),
        context={
            "organization": organization.name,
            "tool": tool.name if tool is not None else suggestion.name,
        },
    )
    return suggestion


@transaction.atomic
def tool_suggestion_answer(
    *, actor: User, suggestion: ToolSuggestion, accepted: bool, answer: str = ""
) -> ToolSuggestion:
    """Staff or an editor takes a suggestion up or not."""
    if not actor.has_perm("knowledge.change_tool"):
        raise PermissionDenied(_("You are not allowed to do this."))
    suggestion = ToolSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.state != SuggestionState.OPEN:
        raise ValidationError(_("This suggestion has already been answered."))
    suggestion.state = (
        SuggestionState.ACCEPTED if accepted else SuggestionState.DECLINED
    )
    suggestion.answer = answer.strip()
    suggestion.handled_by = actor
    suggestion.full_clean()
    suggestion.save()
    audit_log_record(
        actor=actor,
        action="tool_suggestion.answered",
        obj=suggestion,
        data={"state": suggestion.state},
    )
    return suggestion
