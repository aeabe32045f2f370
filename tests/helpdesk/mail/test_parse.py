"""The corpus in tests/helpdesk/testdata: every real-world shape of mail, read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allmende.helpdesk.mail.parse import (
    ParsedMail,
    decode_bytes,
    html_to_text,
    parse_message,
    sanitize_html,
    split_quoted,
    strip_subject,
)

TESTDATA = Path(__file__).resolve().parent.parent / "testdata"
HELPDESK = ["hilfe@allmende.example"]


def parse(name: str) -> ParsedMail:
    return parse_message((TESTDATA / name).read_bytes(), helpdesk_addresses=HELPDESK)


def attachment_names(mail: ParsedMail) -> list[tuple[str, str]]:
    return [(item.filename, item.content_type) for item in mail.attachments]


def test_corpus_has_at_least_thirty_mails() -> None:
    assert len(list(TESTDATA.glob("*.eml"))) >= 30


@pytest.mark.parametrize("path", sorted(TESTDATA.glob("*.eml")), ids=lambda p: p.name)
def test_every_corpus_mail_has_readable_text_or_attachments(path: Path) -> None:
    mail = parse_message(path.read_bytes(), helpdesk_addresses=HELPDESK)
    assert mail.size == path.stat().st_size
    assert mail.text or mail.attachments
    for value in (mail.text, mail.quoted, mail.subject, mail.from_name):
        assert not any("\udc80" <= char <= "\udcff" for char in value)
    if mail.html is not None:
        assert "<script" not in mail.html and "<style" not in mail.html


def test_outlook_german_reply_folds_original_message() -> None:
    mail = parse("01_outlook_reply_de.eml")
    assert mail.from_address == "j.mueller@stadtnatur.example"
    assert mail.from_name == "Jürgen Müller"
    assert mail.subject == "AW: [#1042] Frage zum Förderantrag"
    assert mail.subject_ticket_number == 1042
    assert not mail.is_spam
    assert mail.topic == "Frage zum Förderantrag"
    assert mail.date == datetime(2026, 12, 2, 8, 13, 43, tzinfo=UTC)
    assert mail.in_reply_to == "170000000001.4242.1234567890@allmende.example"
    assert mail.references == ("170000000001.4242.1234567890@allmende.example",)
    assert mail.text.startswith("Hallo Frau Becker,")
    assert mail.text.endswith("Verein für Stadtnatur e.V.")
    assert "hochgeladen – bitte prüfen" in mail.text
    assert mail.quoted.startswith("-----Ursprüngliche Nachricht-----")
    assert "bitte laden Sie den Finanzplan" in mail.quoted
    assert mail.html is not None and "<style" not in mail.html
    assert "vielen Dank für die schnelle Antwort" in mail.html
    assert not mail.is_auto


def test_outlook_from_sent_block_is_quoted_and_token_found() -> None:
    mail = parse("02_outlook_from_sent_block_en.eml")
    assert mail.text == "Hi,\n\nthanks, that solved it.\n\nBest regards,\nSam Okafor"
    assert mail.quoted.startswith("____")
    assert "please try again" in mail.quoted
    assert mail.reply_token == "k7qm2xrt"
    assert mail.subject_ticket_number == 2001
    assert mail.references == (
        "ask-2001@allmende.example",
        "reply-2001-1@allmende.example",
    )


def test_thunderbird_reply_with_token_and_german_attribution() -> None:
    mail = parse("03_thunderbird_reply_token.eml")
    assert mail.reply_token == "ab12cd34ef"
    assert mail.text.endswith("Grüße\nLea")
    assert "GeoJSON" in mail.text
    assert mail.quoted.startswith("Am 01.12.26 um 17:30 schrieb Allmende Hilfe:")
    assert "Konto freigeschaltet" in mail.quoted
    assert mail.message_id == "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab@kiezdaten.example"


def test_apple_mail_quoted_attribution_and_blockquote() -> None:
    mail = parse("04_apple_mail.eml")
    assert mail.text.endswith("Liebe Grüße\nMarie")
    assert "12 Ehrenamtliche" in mail.text
    assert "Wie viele Personen" in mail.quoted
    assert "Wie viele Personen" not in mail.text
    assert mail.html is not None and "<blockquote>" in mail.html
    assert mail.subject_ticket_number == 88


def test_gmail_attribution_wrapped_over_two_lines() -> None:
    mail = parse("05_gmail_web.eml")
    assert (
        mail.text
        == "Hello,\n\nI attached the screenshot you asked for.\n\nCheers,\nPriya"
    )
    assert mail.quoted.startswith("On Tue, Dec 1, 2026 at 3:14 PM")
    assert mail.reply_token == "zx9yw8vu7t"
    assert attachment_names(mail) == [("screenshot.png", "image/png")]
    assert mail.attachments[0].content.startswith(b"\x89PNG")
    assert mail.html is not None and 'class="gmail_quote"' not in mail.html


def test_iphone_base64_body() -> None:
    mail = parse("06_mobile_iphone_base64.eml")
    assert mail.text.startswith("Hallo, ich komme nicht in mein Konto.")
    assert "Können Sie helfen?" in mail.text
    assert mail.subject_ticket_number is None
    assert mail.quoted == ""


def test_android_gmail_attribution_with_date_after_schrieb() -> None:
    mail = parse("07_mobile_android.eml")
    assert mail.text == "Passt, danke!"
    assert "Donnerstag um 10 Uhr ist für Sie reserviert" in mail.quoted
    assert mail.reply_token == "q1w2e3r4"


def test_mailing_list_is_automatic() -> None:
    mail = parse("08_mailing_list.eml")
    assert mail.is_auto
    assert {"precedence: list", "list-id", "list-unsubscribe"} <= set(mail.auto_reasons)
    assert not mail.is_bounce


def test_vacation_reply_is_automatic_and_keeps_its_ticket() -> None:
    mail = parse("09_vacation_autoreply.eml")
    assert mail.is_auto
    assert "auto-submitted: auto-replied (vacation)" in mail.auto_reasons
    assert "empty return-path" in mail.auto_reasons
    assert mail.reply_token == "t0k3n99"
    assert mail.subject_ticket_number == 733


def test_outlook_out_of_office_is_automatic() -> None:
    mail = parse("10_outlook_out_of_office.eml")
    assert mail.auto_reasons == ("x-auto-response-suppress",)
    assert mail.text.startswith("Ich bin bis 4.12. außer Haus.")
    assert "Fällen" in mail.text


def test_postfix_bounce_names_the_original_message() -> None:
    mail = parse("11_bounce_dsn_postfix.eml")
    assert mail.is_bounce and mail.is_auto
    assert mail.bounce_original_message_ids == ("ack-1200@allmende.example",)
    assert "User unknown" in mail.text
    assert attachment_names(mail) == [
        ("Ihre Anfrage ist eingegangen.eml", "message/rfc822")
    ]
    assert b"Message-ID: <ack-1200@allmende.example>" in mail.attachments[0].content


def test_exchange_bounce_with_headers_only() -> None:
    mail = parse("12_bounce_rfc822_headers.eml")
    assert mail.is_bounce
    assert mail.bounce_original_message_ids == ("reply-1300-4@allmende.example",)
    assert mail.subject == "Unzustellbar: [#1300] Antwort"
    assert mail.text == (
        "Die Nachricht konnte nicht zugestellt werden: Das Postfach ist voll."
    )
    assert mail.attachments == ()


def test_spam_like_html_is_sanitised_with_text_fallback() -> None:
    mail = parse("13_spam_like_html.eml")
    assert mail.subject == "🎉 Sie haben gewonnen!!!"
    assert mail.html is not None
    for bad in ("<script", "alert", "onload", "onclick", "javascript:", "<img",
                "<form", "<iframe", "<input", "WIN<", "background"):  # fmt: skip
        assert bad not in mail.html
    assert 'href="https://win.example/claim?id=1"' in mail.html
    assert mail.text == "Sie haben GEWONNEN!!!\n\nKlicken Sie hier oder hier."
    assert mail.to_addresses == ()
    assert mail.is_spam and not mail.is_auto


def test_smime_signed_body_without_signature_attachment() -> None:
    mail = parse("14_smime_signed.eml")
    assert mail.text.startswith("Sehr geehrte Damen und Herren,")
    assert "Gemeinnützigkeit liegt vor" in mail.text
    assert mail.attachments == ()
    assert mail.subject == "Nachweis der Gemeinnützigkeit"


def test_pgp_mime_signed_keeps_attachment_not_signature() -> None:
    mail = parse("15_pgp_mime_signed.eml")
    assert mail.text == "Hier ist das Logo als PNG.\n\nFelix"
    assert attachment_names(mail) == [("logo.png", "image/png")]
    assert "PGP SIGNATURE" not in mail.text


def test_inline_pgp_armour_is_removed() -> None:
    mail = parse("16_pgp_inline_signed.eml")
    assert mail.text == "Darf ich die Daten unter CC BY 4.0 weitergeben?\n-- \nOle"


def test_forwarded_mail_is_an_attachment() -> None:
    mail = parse("17_forwarded_as_attachment.eml")
    assert mail.text == (
        "Hallo, ich leite Ihnen die Mail des Vermieters weiter. Wer übernimmt das?"
    )
    assert attachment_names(mail) == [
        ("Rechnung Raummiete Dezember.eml", "message/rfc822")
    ]
    forwarded = parse_message(mail.attachments[0].content)
    assert forwarded.from_address == "vermietung@haus.example"
    assert forwarded.text == "Bitte überweisen Sie 120 Euro."


def test_inline_forward_stays_in_the_text() -> None:
    mail = parse("18_forwarded_inline.eml")
    assert "Weitergeleitete Nachricht" in mail.text
    assert "„Offene Daten“" in mail.text
    assert mail.quoted == ""


def test_umlauts_in_every_header() -> None:
    mail = parse("19_umlauts_every_header.eml")
    assert mail.from_name == "Jörg Straßer"
    assert mail.from_address == "joerg.strasser@müll-verein.example"
    assert mail.to_addresses == ("hilfe@allmende.example",)
    assert mail.cc_addresses == ("baerbel@verein.example", "fm@verein.example")
    assert mail.reply_to_address == "buero@muell-verein.example"
    assert mail.subject == "Frühjahrsputz – Förderung für Müllsäcke und Greifzangen"
    assert attachment_names(mail) == [
        ("Kostenaufstellung Mülläcker.pdf", "application/pdf")
    ]
    assert mail.attachments[0].content.startswith(b"%PDF-")


def test_windows_1252_body() -> None:
    mail = parse("20_windows1252_body.eml")
    assert "1.500 € – „vorbehaltlich“ der Prüfung" in mail.text
    assert mail.text.endswith("Karl Öhler")


def test_latin1_label_is_read_as_windows_1252() -> None:
    assert parse("21_latin1_declared_cp1252.eml").text == (
        "Die Teilnahme kostet 25 € pro Person. Grüße"
    )


def test_utf8_label_on_latin1_bytes_is_repaired() -> None:
    assert parse("22_broken_charset_utf8_declared.eml").text == (
        "Schöne Grüße aus Düsseldorf, wir haben eine Frage zur Förderung."
    )


def test_unknown_charset_and_raw_utf8_header() -> None:
    mail = parse("23_unknown_charset.eml")
    assert mail.subject == "Größe der Dateien"
    assert mail.text == "Ich habe eine Frage zu Größe und Format der Dateien."
    assert mail.from_address == "rene@example.net"


def test_html_only_gets_text_fallback_and_folded_quote() -> None:
    mail = parse("24_html_only.eml")
    assert mail.text.startswith("Guten Tag,\n\ndie Tabelle finden Sie unten:")
    assert "Monat Besucher" in mail.text and "Oktober 1.204" in mail.text
    assert mail.quoted.startswith("Am 30.11.2026 um 10:00 schrieb Allmende Hilfe:")
    assert "> Bitte senden Sie uns die Besucherzahlen." in mail.quoted
    assert mail.html is not None and "<table>" in mail.html


def test_inline_image_is_an_attachment_and_not_loaded_in_html() -> None:
    mail = parse("25_inline_image.eml")
    assert attachment_names(mail) == [("image001.png", "image/png")]
    assert mail.html is not None and "<img" not in mail.html
    assert mail.text.startswith("Beim Hochladen kommt diese Meldung")


def test_rfc2231_continued_name_and_no_paths_in_names() -> None:
    mail = parse("26_rfc2231_attachment_names.eml")
    assert attachment_names(mail) == [
        ("Antrag Förderung 2027 – Straßenfest.pdf", "application/pdf"),
        ("Teilnehmerliste.csv", "text/csv"),
    ]
    assert mail.attachments[1].content.replace(b"\r\n", b"\n") == (
        b"Name;Ort\nAhmet;Kiel\n"
    )


def test_very_long_thread_keeps_only_the_new_text() -> None:
    mail = parse("27_very_long_thread.eml")
    assert mail.text == "Neue Antwort ganz oben.\n\nGruß Nummer 41"
    assert mail.quoted.count("-----Ursprüngliche Nachricht-----") == 40
    assert "Nachricht Nummer 1 mit" in mail.quoted
    assert len(mail.references) == 40
    assert mail.references[0] == "m1@verein.example"
    assert mail.subject_ticket_number == 77
    assert mail.topic == "Lange Geschichte"


def test_empty_return_path_is_automatic() -> None:
    mail = parse("28_empty_return_path.eml")
    assert mail.auto_reasons == ("empty return-path",)


def test_noreply_sender_is_automatic() -> None:
    mail = parse("29_noreply_sender.eml")
    assert mail.auto_reasons == ("sender: no-reply@service.example",)


def test_ticket_number_behind_many_prefixes() -> None:
    mail = parse("30_subject_prefixes.eml")
    assert mail.subject_ticket_number == 1234
    assert mail.topic == "Abrechnung Projekt"


def test_broken_headers_do_not_stop_the_mail() -> None:
    mail = parse("31_broken_headers.eml")
    assert mail.from_address == "broken@sender.example"
    assert mail.to_addresses == ("hilfe@allmende.example",)
    assert mail.date is None
    assert mail.message_id == ""
    assert mail.text == "Hallo Welt!"
    assert mail.subject.startswith("Kaputt")


def test_attachment_only_mail() -> None:
    mail = parse("32_scanner_attachment_only.eml")
    assert mail.text == ""
    assert attachment_names(mail) == [("scan0001.pdf", "application/pdf")]


def test_apple_mail_text_around_an_attachment_is_joined() -> None:
    mail = parse("33_apple_split_body.eml")
    assert mail.text == "Hier das erste Foto:\n\nUnd das war es schon."
    assert attachment_names(mail) == [("foto1.png", "image/png")]


def test_calendar_invitation_is_an_attachment() -> None:
    mail = parse("34_calendar_invitation.eml")
    assert mail.text == "Passt Ihnen der Termin?"
    assert attachment_names(mail) == [("invite.ics", "text/calendar")]


def test_interleaved_answers_stay_in_the_text() -> None:
    mail = parse("35_interleaved_reply.eml")
    assert "30." in mail.text and "Seit 2011." in mail.text
    assert mail.text.startswith("> 1. Wie viele Mitglieder")
    assert mail.quoted == ""
    assert mail.reply_token == "p0hl77"


# --- The pieces ----------------------------------------------------------------


def test_reply_token_only_for_a_configured_address() -> None:
    raw = (TESTDATA / "03_thunderbird_reply_token.eml").read_bytes()
    assert parse_message(raw, helpdesk_addresses=[]).reply_token is None
    other = parse_message(raw, helpdesk_addresses=["info@allmende.example"])
    assert other.reply_token is None


def test_reply_token_taken_from_settings(settings: object) -> None:
    settings.ALLMENDE_HELPDESK_ADDRESSES = ["hilfe@allmende.example"]  # type: ignore[attr-defined]
    raw = (TESTDATA / "03_thunderbird_reply_token.eml").read_bytes()
    assert parse_message(raw).reply_token == "ab12cd34ef"


@pytest.mark.parametrize(
    ("subject", "topic"),
    [
        ("Re: AW: [#12] Frage", "Frage"),
        ("AW[2]: WG: Antrag", "Antrag"),
        ("Fwd: Fw: SV: Re:Termin", "Termin"),
        ("Rechnung: März", "Rechnung: März"),
    ],
)
def test_strip_subject(subject: str, topic: str) -> None:
    assert strip_subject(subject) == topic


def test_decode_bytes_never_raises() -> None:
    assert decode_bytes("Grüße".encode("cp1252"), "utf-8") == "Grüße"
    assert decode_bytes("Grüße".encode(), "klingon") == "Grüße"
    assert decode_bytes(b"\x81\x8d\x8f\x90\x9d\xff", "utf-8")
    assert decode_bytes(b"abc", None) == "abc"


def test_sanitize_html_keeps_structure_not_active_content() -> None:
    clean = sanitize_html(
        '<p style="color:red">Hi <a href="https://a.example" onclick="x()">a</a>'
        '<img src="https://t.example/p.gif"><script>x()</script></p>'
    )
    assert clean == (
        '<p>Hi <a href="https://a.example" rel="nofollow noopener noreferrer">a</a></p>'
    )


def test_html_to_text_marks_blockquotes() -> None:
    text = html_to_text("<p>Ja.</p><blockquote><p>Frage?</p></blockquote>")
    assert text == "Ja.\n\n> Frage?"


def test_split_quoted_without_new_text_keeps_everything_as_text() -> None:
    assert split_quoted("> nur ein Zitat\n> sonst nichts") == (
        "> nur ein Zitat\n> sonst nichts",
        "",
    )


def test_a_sentence_with_wrote_is_not_a_quote() -> None:
    text = "Mein Kollege schrieb mir gestern:\nDas geht so nicht.\n\nGruß"
    assert split_quoted(text) == (text, "")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_parse_message_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    mail = parse_message(raw, helpdesk_addresses=HELPDESK)
    assert mail.size == len(raw)


CORPUS = sorted(TESTDATA.glob("*.eml"))


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(CORPUS),
    st.integers(min_value=0, max_value=10**6),
    st.binary(min_size=1, max_size=20),
)
def test_parse_message_never_raises_on_damaged_corpus_mails(
    path: Path, position: int, garbage: bytes
) -> None:
    raw = path.read_bytes()
    cut = position % len(raw)
    damaged = raw[:cut] + garbage + raw[cut + len(garbage) :]
    mail = parse_message(damaged, helpdesk_addresses=HELPDESK)
    assert isinstance(mail.text, str)


def test_text_file_sent_inline_is_an_attachment() -> None:
    mail = parse("36_apple_inline_text_file.eml")
    assert mail.text == "Anbei das Protokoll vom Import.\n\nDanke!"
    assert attachment_names(mail) == [("import.log", "text/plain")]
    assert "Spalte „Datum“ fehlt".encode() in mail.attachments[0].content
