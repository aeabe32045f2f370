"""Staff export applications (answers as columns) and projects as CSV/XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from allmende.accounts.models import User
from allmende.programmes import services
from allmende.programmes.services import FieldData
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.programmes.factories import CallFactory, full_form
from tests.programmes.projects_helpers import accepted_application, make_project

pytestmark = pytest.mark.django_db


def _csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_applications_export_has_a_column_per_question(staff: User) -> None:
    call = CallFactory()
    full_form(call)
    application = accepted_application(staff=staff, call=call)
    application.answers["title"] = "=HYPERLINK(1)"
    application.answers["budget"] = [{"item": "Sensoren", "amount": "300"}]
    application.save(update_fields=["answers"])
    response = client_for(staff).get(f"/calls/{call.slug}/applications.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-applications.csv"')
    header, row = _csv(response.content)
    assert header[:4] == ["Number", "Organization", "Applicant", "Status"]
    assert "Title" in header and "Budget" in header and "Intro" not in header
    assert row[header.index("Title")] == "'=HYPERLINK(1)"
    assert row[header.index("Budget")] == "Sensoren | 300"
    assert row[header.index("Status")] == "Accepted"


def test_a_file_answer_is_exported_by_its_name(staff: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    call = CallFactory()
    full_form(call)
    application = accepted_application(staff=staff, call=call)
    application.state = "draft"
    application.save(update_fields=["state"])
    services.application_upload(
        actor=application.applicant,
        application=application,
        key="plan",
        upload=SimpleUploadedFile("Projektplan.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    application.state = "accepted"
    application.save(update_fields=["state"])
    header, row = _csv(
        client_for(staff).get(f"/calls/{call.slug}/applications.csv").content
    )
    assert row[header.index("Plan")] == "Projektplan.pdf"


def test_a_deleted_question_keeps_its_column(staff: User) -> None:
    call = CallFactory()
    full_form(call)
    application = accepted_application(staff=staff, call=call)
    services.form_field_delete(actor=staff, call=call, key="summary")
    services.form_field_add(
        actor=staff,
        call=call,
        data=FieldData(
            kind="short_text",
            label_de="Neu",
            label_en="New",
            help_de="",
            help_en="",
            required=False,
            max_chars=None,
            max_words=None,
            choices=[],
            allowed_types=[],
            max_bytes=None,
            columns=[],
        ),
    )
    header, row = _csv(
        client_for(staff).get(f"/calls/{call.slug}/applications.csv").content
    )
    assert "New" in header
    assert row[header.index("Summary")] == application.answers["summary"]


def test_applications_export_as_xlsx(staff: User) -> None:
    call = CallFactory()
    full_form(call)
    accepted_application(staff=staff, call=call)
    response = client_for(staff).get(f"/calls/{call.slug}/applications.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert "Title" in rows[0]


def test_projects_export(staff: User) -> None:
    project = make_project(staff=staff)
    header, row = _csv(client_for(staff).get("/projects/export.csv").content)
    assert header[0] == "Project"
    assert row[0] == project.title
    assert row[header.index("Address")] == project.get_absolute_url()
    xlsx = client_for(staff).get("/projects/export.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active is not None


@pytest.mark.parametrize("fmt", ["pdf", "csv.bak"])
def test_an_unknown_export_format_is_not_found(staff: User, fmt: str) -> None:
    call = CallFactory()
    assert client_for(staff).get(f"/projects/export.{fmt}").status_code == 404
    assert (
        client_for(staff).get(f"/calls/{call.slug}/applications.{fmt}").status_code
        == 404
    )


def test_exports_are_for_staff_only(staff: User) -> None:
    call = CallFactory()
    full_form(call)
    application = accepted_application(staff=staff, call=call)
    for person in (UserFactory(), application.applicant):
        client = client_for(person)
        assert client.get(f"/calls/{call.slug}/applications.csv").status_code == 403
        assert client.get("/projects/export.csv").status_code == 403
    anonymous = client_for(None).get("/projects/export.csv")
    assert anonymous.status_code == 302
