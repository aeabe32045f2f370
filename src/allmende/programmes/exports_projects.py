"""Applications and projects as CSV and XLSX for staff.

An application export has one column per question of the call's form; a
question that only an older form version had gets its column after those of
the current version, so no answer is left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from allmende.core.spreadsheets import safe_row
from allmende.programmes import answers as answer_rules
from allmende.programmes.models import (
    Application,
    ApplicationFile,
    ApplicationState,
    Call,
    FormField,
    Project,
    ProjectState,
)
from allmende.programmes.models.forms import FieldKind as K
from allmende.programmes.selectors_projects import progress

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _columns(call: Call) -> list[FormField]:
    """Each question once (by key), newest version first."""
    seen: set[str] = set()
    columns: list[FormField] = []
    fields = FormField.objects.filter(version__call=call).exclude(kind=K.HEADING)
    for field in fields.order_by("-version__number", "position", "id"):
        if field.key not in seen:
            seen.add(field.key)
            columns.append(field)
    return columns


def _answer(field: FormField, value: Any, stored: dict[int, str]) -> Any:
    if answer_rules.is_empty(value):
        return ""
    if field.kind == K.FILE:
        return stored.get(value, "") if isinstance(value, int) else ""
    if field.kind == K.TABLE and isinstance(value, list):
        keys = [key for key, _label, _kind in field.column_pairs()]
        return "; ".join(
            " | ".join(str(row.get(key, "")) for key in keys)
            for row in value
            if isinstance(row, dict)
        )
    if field.kind in (K.NUMBER, K.MONEY):
        return str(value)
    return answer_rules.display(field, value)


def application_rows(call: Call) -> list[list[Any]]:
    columns = _columns(call)
    header = [
        _("Number"),
        _("Organization"),
        _("Applicant"),
        _("Status"),
        _("Form version"),
        _("Submitted"),
        _("Decided"),
        *[field.label for field in columns],
    ]
    rows = [safe_row(header)]
    applications = (
        Application.objects.filter(call=call)
        .exclude(state=ApplicationState.DRAFT)
        .select_related("organization", "applicant", "form_version")
        .order_by("submitted_at", "id")
    )
    # The names of the files given as answers, in one query for the call.
    stored = dict(
        ApplicationFile.objects.filter(application__call=call).values_list(
            "pk", "original_name"
        )
    )
    for application in applications:
        rows.append(
            safe_row(
                [
                    application.pk,
                    application.organization.name if application.organization else "",
                    application.applicant.get_username(),
                    str(ApplicationState(application.state).label),
                    application.form_version.number,
                    _when(application.submitted_at),
                    _when(application.decided_at),
                    *[
                        _answer(field, application.answers.get(field.key), stored)
                        for field in columns
                    ],
                ]
            )
        )
    return rows


def project_rows(projects: Sequence[Project]) -> list[list[Any]]:
    header = [
        _("Project"),
        _("Call"),
        _("Organization"),
        _("Status"),
        _("Started on"),
        _("Ended on"),
        _("Milestones planned"),
        _("Milestones reached"),
        _("Progress (%)"),
        _("Mentors"),
        _("Results"),
        _("Address"),
    ]
    rows = [safe_row(header)]
    for project in projects:
        rows.append(
            safe_row(
                [
                    project.title,
                    project.call.title,
                    project.organization.name if project.organization else "",
                    str(ProjectState(project.state).label),
                    project.started_on.isoformat(),
                    project.ended_on.isoformat() if project.ended_on else "",
                    getattr(project, "milestones_planned", 0),
                    getattr(project, "milestones_reached", 0),
                    progress(project),
                    getattr(project, "mentor_count", 0),
                    getattr(project, "result_count", 0),
                    project.get_absolute_url(),
                ]
            )
        )
    return rows


def write(rows: list[list[Any]], fmt: str, title: str) -> bytes:
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text, delimiter=";").writerows(rows)
        # With a byte-order mark, spreadsheet programs read the file as UTF-8.
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    # Written row by row without keeping cells in memory: large calls stay fast.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
