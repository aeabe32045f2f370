"""Every change to projects: mentors, consultations, milestones and results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, Model, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.catalog import services as catalog_services
from allmende.catalog import vocabularies
from allmende.core import files
from allmende.core.search import index_changed
from allmende.core.services import audit_log_record
from allmende.notifications.registry import in_languages
from allmende.notifications.services import notify, organization_members
from allmende.programmes import notifications_projects as kinds
from allmende.programmes.models import (
    Application,
    Consultation,
    Mentorship,
    Milestone,
    MilestoneReport,
    MilestoneReportFile,
    Project,
    ProjectResult,
    ResultKind,
)
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.models.projects import (
    DUE_SOON_DAYS,
    MENTOR,
    STAFF,
    TEAM,
    MentorshipState,
    MilestoneState,
    ProjectState,
    mentorship_transition_allowed,
    milestone_transition_allowed,
    project_transition_allowed,
)

# The most attachments one milestone report takes, and their size.
MAX_REPORT_FILES = 5
MAX_REPORT_FILE_BYTES = 20 * 1024 * 1024
REPORT_FILE_TYPES = ("pdf", "odt", "docx", "xlsx", "ods", "csv", "png", "jpg")


def _require(actor: User, permission: str, obj: Model | None = None) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def team_members(project: Project) -> list[int]:
    """The ids of the people who make up the project's team."""
    ids = {project.application.applicant_id}
    if project.organization is not None:
        ids.update(
            organization_members(project.organization).values_list("pk", flat=True)
        )
    return sorted(ids)


def mentor_ids(project: Project) -> list[int]:
    return list(
        project.mentorships.filter(state=MentorshipState.ACCEPTED).values_list(
            "mentor_id", flat=True
        )
    )


def _context(project: Project) -> dict[str, dict[str, str]]:
    return {"project": in_languages(project, "title")}


# Projects


class ProjectData(TypedDict):
    title_de: str
    title_en: str
    description_de: str
    description_en: str


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "project"
    slug, counter = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


@transaction.atomic
def project_create(
    *,
    actor: User,
    application: Application,
    data: ProjectData,
    today: date | None = None,
) -> Project:
    """Make the accepted ``application`` a project (once)."""
    _require(actor, "programmes.add_project")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.state != A.ACCEPTED:
        raise ValidationError(_("Only an accepted application becomes a project."))
    if Project.objects.filter(application=locked).exists():
        raise ValidationError(_("This application is already a project."))
    project = Project(
        application=locked,
        call_id=locked.call_id,
        organization_id=locked.organization_id,
        slug=_unique_slug(data["title_de"] or data["title_en"]),
        started_on=today or timezone.localdate(),
        **data,
    )
    project.full_clean()
    project.save()
    audit_log_record(
        actor=actor,
        action="project.created",
        obj=project,
        data={"application": locked.pk},
    )
    notify(
        kinds.PROJECT_STARTED,
        team_members(project),
        obj=project,
        context=_context(project),
        actor=actor,
    )
    index_changed()
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, data: ProjectData) -> Project:
    _require(actor, "programmes.change_project", project)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    changed = sorted(
        name for name, value in data.items() if getattr(locked, name) != value
    )
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=[*data, "updated_at"])
    audit_log_record(
        actor=actor, action="project.changed", obj=locked, data={"fields": changed}
    )
    return locked


@transaction.atomic
def project_transition(
    *, actor: User, project: Project, target: str, today: date | None = None
) -> Project:
    _require(actor, "programmes.manage_project", project)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if not project_transition_allowed(locked.state, target, STAFF):
        raise ValidationError(_("A project in this state cannot be moved there."))
    source = locked.state
    locked.state = target
    locked.ended_on = (
        None if target == ProjectState.ACTIVE else (today or timezone.localdate())
    )
    locked.full_clean()
    locked.save(update_fields=["state", "ended_on", "updated_at"])
    audit_log_record(
        actor=actor,
        action="project.state_changed",
        obj=locked,
        data={"from": source, "to": target},
    )
    notify(
        kinds.PROJECT_STATUS,
        team_members(locked),
        obj=locked,
        context=_context(locked),
        actor=actor,
    )
    project.state = locked.state
    project.ended_on = locked.ended_on
    return locked


# Mentors


def mentor_candidates(project: Project, *, limit: int = 10) -> list[User]:
    """People to suggest as mentors: staff and people whose interests meet the
    organization's focus areas, best match first; never the team itself."""
    team = team_members(project)
    taken = project.mentorships.filter(
        state__in=[MentorshipState.PROPOSED, MentorshipState.ACCEPTED]
    ).values("mentor_id")
    areas = (
        list(project.organization.focus_areas.values_list("pk", flat=True))
        if project.organization is not None
        else []
    )
    people = (
        User.objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(interests__in=areas))
        .exclude(pk__in=team)
        .exclude(pk__in=taken)
        .annotate(
            match=Count("interests", filter=Q(interests__in=areas), distinct=True)
        )
        .order_by("-match", "username")
        .distinct()
    )
    return list(people[:limit])


@transaction.atomic
def mentorship_propose(
    *, actor: User, project: Project, mentor: User, area: str
) -> Mentorship:
    _require(actor, "programmes.manage_project", project)
    if mentor.pk in team_members(project):
        raise ValidationError(_("A member of the project team cannot be its mentor."))
    if project.mentorships.filter(
        mentor=mentor, state__in=[MentorshipState.PROPOSED, MentorshipState.ACCEPTED]
    ).exists():
        raise ValidationError(_("This person is already asked to mentor this project."))
    mentorship = Mentorship(
        project=project, mentor=mentor, area=area, proposed_by=actor
    )
    mentorship.full_clean()
    mentorship.save()
    audit_log_record(
        actor=actor,
        action="project.mentor_proposed",
        obj=project,
        data={"mentor": mentor.pk, "area": area},
    )
    notify(
        kinds.MENTORSHIP_PROPOSED,
        mentor,
        obj=project,
        context=_context(project),
        actor=actor,
    )
    return mentorship


@transaction.atomic
def mentorship_answer(
    *, actor: User, mentorship: Mentorship, accept: bool
) -> Mentorship:
    _require(actor, "programmes.answer_mentorship", mentorship)
    locked = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    target = MentorshipState.ACCEPTED if accept else MentorshipState.DECLINED
    if not mentorship_transition_allowed(locked.state, target, MENTOR):
        raise ValidationError(_("This request has already been answered."))
    locked.state = target
    locked.answered_at = timezone.now()
    locked.save(update_fields=["state", "answered_at"])
    project = locked.project
    audit_log_record(
        actor=actor,
        action="project.mentor_answered",
        obj=project,
        data={"mentor": actor.pk, "to": target},
    )
    if accept:
        notify(
            kinds.MENTOR_JOINED,
            team_members(project),
            obj=project,
            context=_context(project),
            actor=actor,
        )
    mentorship.state = locked.state
    return locked


@transaction.atomic
def mentorship_end(*, actor: User, mentorship: Mentorship) -> Mentorship:
    _require(actor, "programmes.manage_project", mentorship.project)
    locked = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if not mentorship_transition_allowed(locked.state, MentorshipState.ENDED, STAFF):
        raise ValidationError(_("This mentorship has already ended."))
    locked.state = MentorshipState.ENDED
    locked.save(update_fields=["state"])
    audit_log_record(
        actor=actor,
        action="project.mentor_ended",
        obj=locked.project,
        data={"mentor": locked.mentor_id},
    )
    return locked


@transaction.atomic
def consultation_record(
    *, actor: User, project: Project, area: str, held_on: date, notes: str
) -> Consultation:
    _require(actor, "programmes.log_consultation", project)
    consultation = Consultation(
        project=project, author=actor, area=area, held_on=held_on, notes=notes.strip()
    )
    consultation.full_clean()
    consultation.save()
    audit_log_record(
        actor=actor,
        action="project.consultation_recorded",
        obj=project,
        data={"area": area},
    )
    return consultation


# Milestones


class MilestoneData(TypedDict):
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    due_on: date


@transaction.atomic
def milestone_add(*, actor: User, project: Project, data: MilestoneData) -> Milestone:
    _require(actor, "programmes.plan_milestones", project)
    milestone = Milestone(project=project, **data)
    milestone.full_clean()
    milestone.save()
    audit_log_record(
        actor=actor,
        action="project.milestone_added",
        obj=project,
        data={"milestone": milestone.pk, "due_on": data["due_on"].isoformat()},
    )
    notify(
        kinds.MILESTONE_PLANNED,
        team_members(project),
        obj=milestone,
        context=_context(project),
        actor=actor,
    )
    return milestone


def _check_report_file(upload: UploadedFile) -> str:
    name = upload.name or "file"
    if upload.size is None or upload.size > MAX_REPORT_FILE_BYTES:
        raise ValidationError(
            {
                "attachments": _(
                    "%(name)s is too large: at most %(limit)s MB are allowed."
                )
                % {"name": name, "limit": MAX_REPORT_FILE_BYTES // (1024 * 1024)}
            }
        )
    extension = files.document_extension(upload)
    if extension not in REPORT_FILE_TYPES:
        raise ValidationError(
            {
                "attachments": _(
                    "%(name)s is not of an allowed type. Allowed: %(types)s."
                )
                % {
                    "name": name,
                    "types": ", ".join(t.upper() for t in REPORT_FILE_TYPES),
                }
            }
        )
    return extension


@transaction.atomic
def milestone_report(
    *,
    actor: User,
    milestone: Milestone,
    text: str,
    uploads: Iterable[UploadedFile] = (),
) -> MilestoneReport:
    """The team reports on ``milestone``; mentors and staff are told."""
    _require(actor, "programmes.report_milestone", milestone.project)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if not milestone_transition_allowed(locked.state, MilestoneState.REPORTED, TEAM):
        raise ValidationError(_("This milestone takes no report now."))
    uploads = list(uploads)
    if len(uploads) > MAX_REPORT_FILES:
        raise ValidationError(
            {
                "attachments": _("Please attach at most %(count)d files.")
                % {"count": MAX_REPORT_FILES}
            }
        )
    extensions = [_check_report_file(upload) for upload in uploads]
    report = MilestoneReport(milestone=locked, author=actor, text=text.strip())
    report.full_clean()
    report.save()
    for upload, extension in zip(uploads, extensions, strict=True):
        attachment = MilestoneReportFile(
            report=report,
            original_name=(upload.name or "file")[:200],
            size=upload.size or 0,
        )
        attachment.file.save(f"report.{extension}", upload, save=False)
        attachment.save()
    source = locked.state
    locked.state = MilestoneState.REPORTED
    locked.feedback = ""
    locked.save(update_fields=["state", "feedback", "updated_at"])
    audit_log_record(
        actor=actor,
        action="project.milestone_reported",
        obj=locked.project,
        data={"milestone": locked.pk, "from": source, "files": len(uploads)},
    )
    project = locked.project
    notify(
        kinds.MILESTONE_REPORTED,
        mentor_ids(project),
        obj=locked,
        context=_context(project),
        actor=actor,
    )
    milestone.state = locked.state
    return report


@transaction.atomic
def milestone_review(
    *,
    actor: User,
    milestone: Milestone,
    accept: bool,
    feedback: str = "",
    today: date | None = None,
) -> Milestone:
    """A mentor or staff accept a report (reached) or send it back."""
    _require(actor, "programmes.review_milestone", milestone.project)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    target = MilestoneState.REACHED if accept else MilestoneState.OPEN
    role = STAFF if actor.is_staff else MENTOR
    if locked.state != MilestoneState.REPORTED or not milestone_transition_allowed(
        locked.state, target, role
    ):
        raise ValidationError(_("This milestone has no report waiting."))
    if not accept and not feedback.strip():
        raise ValidationError({"feedback": _("Please tell the team what is missing.")})
    locked.state = target
    locked.feedback = feedback.strip()
    locked.reached_on = (today or timezone.localdate()) if accept else None
    locked.full_clean()
    locked.save(update_fields=["state", "feedback", "reached_on", "updated_at"])
    audit_log_record(
        actor=actor,
        action="project.milestone_reviewed",
        obj=locked.project,
        data={"milestone": locked.pk, "to": target},
    )
    notify(
        kinds.MILESTONE_REVIEWED,
        team_members(locked.project),
        obj=locked,
        context=_context(locked.project),
        actor=actor,
    )
    milestone.state = locked.state
    return locked


@transaction.atomic
def milestone_cancel(*, actor: User, milestone: Milestone) -> Milestone:
    _require(actor, "programmes.manage_project", milestone.project)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if not milestone_transition_allowed(locked.state, MilestoneState.CANCELLED, STAFF):
        raise ValidationError(_("Only an open milestone can be cancelled."))
    locked.state = MilestoneState.CANCELLED
    locked.save(update_fields=["state", "updated_at"])
    audit_log_record(
        actor=actor,
        action="project.milestone_cancelled",
        obj=locked.project,
        data={"milestone": locked.pk},
    )
    return locked


def milestones_remind(*, today: date | None = None) -> tuple[int, int]:
    """Remind teams of milestones due soon, and teams and mentors of overdue
    ones (the system). Each reminder goes once per due date: safe to run twice.

    Returns (reminded as due soon, reminded as overdue).
    """
    today = today or timezone.localdate()
    soon = overdue = 0
    running = Q(state=MilestoneState.OPEN, project__state=ProjectState.ACTIVE)
    due_soon = Milestone.objects.filter(
        running,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
    ).exclude(reminded_due_on=F("due_on"))
    for milestone_id in due_soon.values_list("pk", flat=True):
        soon += _remind(milestone_id, overdue=False)
    late = Milestone.objects.filter(running, due_on__lt=today).exclude(
        reminded_overdue_on=F("due_on")
    )
    for milestone_id in late.values_list("pk", flat=True):
        overdue += _remind(milestone_id, overdue=True)
    return soon, overdue


@transaction.atomic
def _remind(milestone_id: int, *, overdue: bool) -> int:
    locked = (
        # Only the milestone's row is locked; the organization may be empty.
        Milestone.objects.select_for_update(of=("self",))
        .select_related("project__application", "project__organization")
        .get(pk=milestone_id)
    )
    field = "reminded_overdue_on" if overdue else "reminded_due_on"
    if getattr(locked, field) == locked.due_on or locked.state != MilestoneState.OPEN:
        return 0
    setattr(locked, field, locked.due_on)
    locked.save(update_fields=[field])
    project = locked.project
    recipients = team_members(project)
    if overdue:
        recipients += mentor_ids(project)
    notify(
        kinds.MILESTONE_OVERDUE if overdue else kinds.MILESTONE_DUE,
        recipients,
        obj=locked,
        context={
            **_context(project),
            "milestone": in_languages(locked, "title"),
            "due_on": locked.due_on.strftime("%d.%m.%Y"),
        },
    )
    return 1


# Results


class DatasetResultData(TypedDict):
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    licence: str
    keywords: list[str]


def open_licence(uri: str) -> bool:
    term = vocabularies.term(uri)
    return (
        term is not None and term.open and uri in dict(vocabularies.licence_choices())
    )


@transaction.atomic
def result_publish_dataset(
    *,
    actor: User,
    project: Project,
    data: DatasetResultData,
    upload: UploadedFile | None = None,
) -> ProjectResult:
    """Publish a result dataset in the catalog, owned by the project's
    organization, under an open licence, and list it on the project page."""
    _require(actor, "programmes.publish_result", project)
    if project.organization is None:
        raise ValidationError(
            _("Only a project of an organization can publish datasets in the catalog.")
        )
    if not open_licence(data["licence"]):
        raise ValidationError(
            {"licence": _("Project results must be published under an open licence.")}
        )
    dataset = catalog_services.dataset_create(
        actor=actor,
        organization=project.organization,
        title_de=data["title_de"],
        title_en=data["title_en"],
        description_de=data["description_de"],
        description_en=data["description_en"],
        licence=data["licence"],
        keywords=data["keywords"],
    )
    if upload is not None:
        catalog_services.resource_create(
            actor=actor,
            dataset=dataset,
            upload=upload,
            title_de=data["title_de"],
            title_en=data["title_en"],
        )
    dataset = catalog_services.dataset_set_published(
        actor=actor, dataset=dataset, published=True
    )
    result = ProjectResult(
        project=project,
        kind=ResultKind.DATASET,
        title=dataset.title[:200],
        dataset=dataset,
        created_by=actor,
    )
    result.full_clean()
    result.save()
    audit_log_record(
        actor=actor,
        action="project.dataset_published",
        obj=project,
        data={"dataset": dataset.slug},
    )
    notify(
        kinds.RESULT_PUBLISHED,
        [*team_members(project), *mentor_ids(project)],
        obj=project,
        context=_context(project),
        actor=actor,
    )
    return result


@transaction.atomic
def result_add_link(
    *, actor: User, project: Project, kind: str, title: str, url: str
) -> ProjectResult:
    _require(actor, "programmes.publish_result", project)
    if kind == ResultKind.DATASET:
        raise ValidationError(
            {"kind": _("Datasets are published in the catalog, not linked.")}
        )
    result = ProjectResult(
        project=project,
        kind=kind,
        title=title.strip(),
        url=url.strip(),
        created_by=actor,
    )
    result.full_clean()
    result.save()
    audit_log_record(
        actor=actor,
        action="project.result_added",
        obj=project,
        data={"kind": kind, "url": result.url},
    )
    return result


@transaction.atomic
def result_remove(*, actor: User, result: ProjectResult) -> None:
    """Take a link off the project page (a dataset stays in the catalog)."""
    _require(actor, "programmes.publish_result", result.project)
    if result.dataset_id is not None:
        raise ValidationError(
            _("A published dataset is managed in the catalog; it stays listed here.")
        )
    audit_log_record(
        actor=actor,
        action="project.result_removed",
        obj=result.project,
        data={"title": result.title},
    )
    result.delete()
