"""Participant lists as CSV and XLSX for organizers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from allmende.core.spreadsheets import safe_row
from allmende.events.models import Event, Registration
from allmende.events.models.registrations import RegistrationState


def _rows(event: Event, registrations: Sequence[Registration]) -> list[list[str]]:
    questions = [str(q) for q in event.questions or []]
    header = [_("Name"), _("E-mail address"), _("Status"), _("Registered on")]
    if event.has_slots:
        header += [_("Time slot"), _("Question")]
    header += questions
    rows = [safe_row(header)]
    for registration in registrations:
        row = [
            registration.name,
            registration.email,
            str(RegistrationState(registration.state).label),
            timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M"),
        ]
        if event.has_slots:
            row += [str(registration.slot or ""), registration.question]
        row += [str(registration.answers.get(q, "")) for q in questions]
        rows.append(safe_row(row))
    return rows


def participants_csv(event: Event, registrations: Sequence[Registration]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(_rows(event, registrations))
    # With a byte-order mark, spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def participants_xlsx(event: Event, registrations: Sequence[Registration]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = _("Participants")[:31]
    for row in _rows(event, registrations):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
