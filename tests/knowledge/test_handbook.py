"""The handbook: revisions on every save, review before publishing, diff and
restore, anchors and contents, translations, the review-due date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from allmende.core.search import site_search
from allmende.knowledge import selectors
from allmende.knowledge.handbook import diff_lines, render_page
from allmende.knowledge.models import Page, PageRevision, PageState
from allmende.knowledge.services import handbook as services
from allmende.notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_chapter, make_page, reviewer

pytestmark = pytest.mark.django_db


def test_every_save_keeps_a_revision_with_author_and_message() -> None:
    page = make_page()
    author = editor()
    services.page_save(
        actor=author, page=page, title="Neu", body="Zweiter Text", message="Kürzer"
    )
    revisions = list(page.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[1].author == author
    assert revisions[1].message == "Kürzer"
    assert revisions[0].body == "## Anfang\n\nErster Text.\n"


def test_readers_see_the_published_text_while_a_change_is_in_review(
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = make_page(published=True)
    writer, checker = editor(), reviewer()
    services.page_save(
        actor=writer, page=page, title="Warum offene Daten", body="Neuer Text."
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.page_transition(actor=writer, page=page, target=PageState.IN_REVIEW)
    assert Notification.objects.filter(
        recipient=checker, type="knowledge.guide_submitted"
    ).exists()
    reader = client_for(None).get(page.get_absolute_url()).content.decode()
    assert "Erster Text." in reader
    assert "Neuer Text." not in reader
    # Editors may look at the draft.
    draft = client_for(writer).get(page.get_absolute_url() + "?draft=1")
    assert "Neuer Text." in draft.content.decode()
    # The editor cannot approve the change; the reviewer can.
    with pytest.raises(PermissionDenied):
        services.page_transition(actor=writer, page=page, target=PageState.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        services.page_transition(actor=checker, page=page, target=PageState.PUBLISHED)
    assert Notification.objects.filter(
        recipient=writer, type="knowledge.guide_reviewed"
    ).exists()
    reader = client_for(None).get(page.get_absolute_url()).content.decode()
    assert "Neuer Text." in reader


def test_a_reviewer_sends_a_change_back_with_a_comment() -> None:
    page = make_page()
    writer = editor()
    services.page_transition(actor=writer, page=page, target=PageState.IN_REVIEW)
    page = services.page_transition(
        actor=reviewer(),
        page=page,
        target=PageState.DRAFT,
        comment="Bitte Quellen ergänzen.",
    )
    assert page.state == PageState.DRAFT
    assert page.review_comment == "Bitte Quellen ergänzen."
    assert page.published_revision is None
    # A page that was never published is not shown to readers.
    assert client_for(None).get(page.get_absolute_url()).status_code == 404


def test_a_page_in_review_cannot_be_changed() -> None:
    page = make_page()
    services.page_transition(actor=editor(), page=page, target=PageState.IN_REVIEW)
    with pytest.raises(ValidationError):
        services.page_save(actor=editor(), page=page, title="x", body="y")


def test_restoring_an_old_revision_makes_a_new_draft_revision() -> None:
    page = make_page(published=True)
    services.page_save(actor=editor(), page=page, title="B", body="Zweiter")
    first = page.revisions.get(number=1)
    restored = services.page_restore(actor=editor(), page=page, revision=first)
    assert restored.number == 3
    assert restored.body == first.body
    assert "1" in restored.message
    assert Page.objects.get(pk=page.pk).state == PageState.DRAFT


def test_the_history_shows_a_readable_diff_and_refuses_bad_numbers() -> None:
    page = make_page(published=True)
    services.page_save(
        actor=editor(), page=page, title="T", body="## Anfang\n\nAnderer Text.\n"
    )
    client = client_for(editor())
    url = f"/guides/{page.book.slug}/{page.slug}/history/"
    html = client.get(url, {"a": 1, "b": 2}).content.decode()
    assert '<li class="diff-removed"><del>' in html
    assert "Erster Text." in html and "Anderer Text." in html
    assert client.get(url, {"a": "x", "b": 2}).status_code == 400
    assert client.get(url, {"a": 1, "b": 99}).status_code == 400


def test_diff_lines_mark_added_and_removed_lines() -> None:
    lines = diff_lines("a\nb\nc", "a\nB\nc\nd")
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "a"),
        ("removed", "b"),
        ("added", "B"),
        ("same", "c"),
        ("added", "d"),
    ]


def test_headings_get_anchors_and_scripts_are_removed() -> None:
    html, headings = render_page(
        "## Offene Daten\n\ntext\n\n### Erste Schritte\n\n## Offene Daten\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(2)>"
    )
    assert [(h.level, h.anchor) for h in headings] == [
        (2, "offene-daten"),
        (3, "erste-schritte"),
        (2, "offene-daten-2"),
    ]
    assert '<h2 id="offene-daten">' in html
    assert "<script" not in html and "onerror" not in html


def test_the_page_shows_a_table_of_contents_and_last_check() -> None:
    page = make_page(published=True, body="## Teil eins\n\nA\n\n## Teil zwei\n\nB")
    html = client_for(None).get(page.get_absolute_url()).content.decode()
    assert 'href="#teil-eins"' in html and 'id="teil-zwei"' in html
    assert "Zuletzt geprüft am" in html or "Last checked on" in html


def test_overdue_pages_show_on_the_reviewers_dashboard() -> None:
    page = make_page(published=True, title="Alte Seite")
    Page.objects.filter(pk=page.pk).update(
        review_due_on=timezone.localdate() - timedelta(days=1)
    )
    assert list(selectors.overdue_pages()) == [page]
    html = client_for(reviewer()).get("/dashboard/").content.decode()
    assert "Alte Seite" in html
    services.page_confirm_current(actor=reviewer(), page=page)
    assert not selectors.overdue_pages().exists()


def test_a_translated_page_links_its_counterpart_and_warns_when_newer() -> None:
    german = make_page(published=True, title="Offene Daten")
    english = make_page(published=True, title="Open data")
    Page.objects.filter(pk=german.pk).update(counterpart=english)
    Page.objects.filter(pk=english.pk).update(counterpart=german)
    Page.objects.filter(pk=german.pk).update(
        published_at=timezone.now() - timedelta(days=30)
    )
    html = client_for(None).get(german.get_absolute_url()).content.decode()
    assert english.get_absolute_url() in html
    assert "message-warning" in html
    html = client_for(None).get(english.get_absolute_url()).content.decode()
    assert german.get_absolute_url() in html
    assert "message-warning" not in html


def test_only_published_text_is_found_by_the_site_search() -> None:
    make_page(published=True, title="Schnittstellen verstehen")
    make_page(title="Lizenzentwurf geheim")
    hits = site_search(query="Schnittstellen", viewer=AnonymousUser())
    assert any("Schnittstellen" in str(hit.title) for hit in hits[0:10])
    assert not list(site_search(query="Lizenzentwurf", viewer=AnonymousUser())[0:10])


def test_the_print_view_holds_every_published_page_of_the_book() -> None:
    chapter = make_chapter()
    make_page(chapter, title="Erste Seite", published=True)
    make_page(chapter, title="Zweite Seite", body="Noch nicht fertig")
    html = client_for(None).get(f"/guides/{chapter.book.slug}/print/").content
    assert "Erste Seite" in html.decode()
    assert "Noch nicht fertig" not in html.decode()


def test_an_editor_adds_a_page_through_the_form() -> None:
    chapter = make_chapter()
    client = client_for(editor())
    response = client.post(
        f"/guides/{chapter.book.slug}/new/",
        {
            "chapter": chapter.pk,
            "title": "Neue Seite",
            "body": "Text",
            "message": "",
            "submission_key": "5f0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10",
        },
    )
    assert response.status_code == 302
    assert PageRevision.objects.get().page.title == "Neue Seite"


def test_a_registered_person_is_not_an_editor() -> None:
    with pytest.raises(PermissionDenied):
        services.page_create(
            actor=UserFactory(), chapter=make_chapter(), title="x", body="y"
        )
    staff = StaffFactory()
    assert services.page_create(
        actor=staff, chapter=make_chapter(), title="x", body="y"
    )
