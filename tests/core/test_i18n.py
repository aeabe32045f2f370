"""German is the primary language: every string must have its translation."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "allmende"
PO = PACKAGE / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.translated() and not e.obsolete]


def test_every_german_message_is_translated_and_not_fuzzy() -> None:
    po = polib.pofile(str(PO))
    assert _untranslated(po) == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    po = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))
    }
    mo.pop((None, ""), None)
    assert po == mo, "run `make messages` to recompile the German catalogue"


def test_every_string_in_the_source_is_in_the_german_catalogue(
    tmp_path: Path, settings: object
) -> None:
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gettext is required in CI (apt-get install gettext)")
        pytest.skip("xgettext is not installed (apt-get install gettext)")
    copy = tmp_path / "allmende"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo")
    )
    settings.LOCALE_PATHS = [copy / "locale"]  # type: ignore[attr-defined]
    cwd = Path.cwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["de"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(copy / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    missing = _untranslated(fresh)
    assert missing == [], (
        f"untranslated German messages (run `make messages`): {missing}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "lang", "text"),
    [("de-DE,de;q=0.9", "de", "Registrieren"), ("en-GB,en;q=0.8", "en", "Sign up")],
)
def test_start_page_follows_the_browser_language(
    accept: str, lang: str, text: str
) -> None:
    response = Client(headers={"accept-language": accept}).get("/")
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert text in html


@pytest.mark.django_db
def test_start_page_is_german_without_a_language_preference(settings: object) -> None:
    settings.LANGUAGE_CODE = "de"  # type: ignore[attr-defined]
    html = Client().get("/").content.decode()
    assert '<html lang="de">' in html


@pytest.mark.django_db
def test_language_switch_remembers_the_choice() -> None:
    client = Client(headers={"accept-language": "de"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
