"""Demo data of the knowledge hub: open-source tools civil society uses,
with their real licences (SPDX) and addresses. Their maintenance signals are
left to the periodic check."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from allmende.accounts.models import User
from allmende.knowledge import services
from allmende.knowledge.models import Category, Tool
from allmende.knowledge.services import ToolData

# name, categories, licence, homepage, source, purpose (de, en), hosting,
# platforms, difficulty, cost, alternative to
TOOLS: list[tuple[Any, ...]] = [
    (
        "Jitsi Meet",
        ["videokonferenzen"],
        "Apache-2.0",
        "https://jitsi.org/jitsi-meet/",
        "https://github.com/jitsi/jitsi-meet",
        (
            "Videokonferenzen im Browser, ohne Konto",
            "Video conferences in the browser, no account needed",
        ),
        ["self_hosted", "programme", "saas"],
        ["web", "android", "ios"],
        "beginner",
        "free",
        ["Zoom", "Microsoft Teams"],
    ),
    (
        "BigBlueButton",
        ["videokonferenzen"],
        "LGPL-3.0-or-later",
        "https://bigbluebutton.org/",
        "https://github.com/bigbluebutton/bigbluebutton",
        (
            "Online-Seminare mit Whiteboard und Breakout-Räumen",
            "Web seminars with whiteboard and breakout rooms",
        ),
        ["self_hosted", "provider"],
        ["web"],
        "intermediate",
        "free",
        ["Zoom", "Webex"],
    ),
    (
        "Nextcloud",
        ["cloud-speicher", "gemeinsame-dokumente"],
        "AGPL-3.0-or-later",
        "https://nextcloud.com/",
        "https://github.com/nextcloud/server",
        (
            "Dateien, Kalender und Kontakte auf eigenem Server",
            "Files, calendars and contacts on your own server",
        ),
        ["self_hosted", "programme", "provider"],
        ["web", "windows", "macos", "linux", "android", "ios"],
        "intermediate",
        "free",
        ["Dropbox", "Google Drive"],
    ),
    (
        "Element",
        ["chat"],
        "AGPL-3.0-only",
        "https://element.io/",
        "https://github.com/element-hq/element-web",
        (
            "Verschlüsselter Chat im offenen Matrix-Netz",
            "Encrypted chat on the open Matrix network",
        ),
        ["self_hosted", "programme", "saas"],
        ["web", "windows", "macos", "linux", "android", "ios"],
        "beginner",
        "free",
        ["WhatsApp", "Slack"],
    ),
    (
        "Etherpad",
        ["gemeinsame-dokumente"],
        "Apache-2.0",
        "https://etherpad.org/",
        "https://github.com/ether/etherpad-lite",
        (
            "Gemeinsam in Echtzeit an Texten schreiben",
            "Write texts together in real time",
        ),
        ["self_hosted", "programme", "provider"],
        ["web"],
        "beginner",
        "free",
        ["Google Docs"],
    ),
    (
        "LimeSurvey",
        ["umfragen"],
        "GPL-2.0-or-later",
        "https://www.limesurvey.org/",
        "https://github.com/LimeSurvey/LimeSurvey",
        (
            "Umfragen und Fragebögen erstellen und auswerten",
            "Create and analyse surveys and questionnaires",
        ),
        ["self_hosted", "saas"],
        ["web"],
        "intermediate",
        "subscription",
        ["SurveyMonkey", "Google Forms"],
    ),
    (
        "CiviCRM",
        ["mitgliederverwaltung", "newsletter"],
        "AGPL-3.0-only",
        "https://civicrm.org/",
        "https://github.com/civicrm/civicrm-core",
        (
            "Kontakte, Mitglieder, Spenden und Mailings verwalten",
            "Manage contacts, members, donations and mailings",
        ),
        ["self_hosted", "provider"],
        ["web"],
        "advanced",
        "free",
        ["Salesforce"],
    ),
    (
        "CryptPad",
        ["gemeinsame-dokumente", "cloud-speicher"],
        "AGPL-3.0-or-later",
        "https://cryptpad.org/",
        "https://github.com/cryptpad/cryptpad",
        (
            "Ende-zu-Ende-verschlüsselte Dokumente und Tabellen",
            "End-to-end encrypted documents and spreadsheets",
        ),
        ["self_hosted", "saas"],
        ["web"],
        "beginner",
        "free",
        ["Google Docs", "Microsoft 365"],
    ),
    (
        "Decidim",
        ["beteiligung"],
        "AGPL-3.0-only",
        "https://decidim.org/",
        "https://github.com/decidim/decidim",
        (
            "Beteiligungsplattform für Vorschläge, Abstimmungen und Versammlungen",
            "Participation platform for proposals, votes and assemblies",
        ),
        ["self_hosted", "provider"],
        ["web"],
        "advanced",
        "free",
        [],
    ),
    (
        "QGIS",
        ["karten", "datenanalyse"],
        "GPL-2.0-or-later",
        "https://qgis.org/",
        "https://github.com/qgis/QGIS",
        ("Karten erstellen und Geodaten auswerten", "Make maps and analyse geodata"),
        ["self_hosted"],
        ["windows", "macos", "linux"],
        "advanced",
        "free",
        ["ArcGIS"],
    ),
    (
        "listmonk",
        ["newsletter"],
        "AGPL-3.0-only",
        "https://listmonk.app/",
        "https://github.com/knadh/listmonk",
        (
            "Newsletter und Mailinglisten selbst versenden",
            "Send newsletters and mailing lists yourself",
        ),
        ["self_hosted"],
        ["web"],
        "intermediate",
        "free",
        ["Mailchimp"],
    ),
    (
        "KeePassXC",
        ["passwoerter"],
        "GPL-3.0-or-later",
        "https://keepassxc.org/",
        "https://github.com/keepassxreboot/keepassxc",
        ("Passwörter sicher verwalten und teilen", "Keep and share passwords safely"),
        ["self_hosted"],
        ["windows", "macos", "linux"],
        "beginner",
        "free",
        ["LastPass"],
    ),
]


def _data(row: tuple[Any, ...]) -> ToolData:
    (name, _categories, licence, homepage, source, (purpose_de, purpose_en), hosting,
     platforms, difficulty, cost, alternatives) = row  # fmt: skip
    own = "programme" in hosting or "self_hosted" in hosting
    return ToolData(
        name=name,
        purpose_de=purpose_de,
        purpose_en=purpose_en,
        description_de=f"{name}: {purpose_de}. Quelloffen unter {licence}.",
        description_en=f"{name}: {purpose_en}. Open source under {licence}.",
        licence=licence,
        source_url=source,
        homepage_url=homepage,
        release_feed_url="",
        hosting=hosting,
        platforms=platforms,
        data_location="own_server" if own else "eu",
        processing_agreement="not_needed" if own else "available",
        privacy_url="",
        terms_url="",
        privacy_notes_de="",
        privacy_notes_en="",
        cost=cost,
        nonprofit_discount=cost != "free",
        cost_notes_de="",
        cost_notes_en="",
        difficulty=difficulty,
        languages=["de", "en", "fr"],
        accessibility_notes_de="",
        accessibility_notes_en="",
        alternative_to=alternatives,
    )


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    load_tools(rng=rng, stdout=stdout)
    load_reports(rng=rng, stdout=stdout)


def load_tools(*, rng: random.Random, stdout: Any) -> None:
    if Tool.objects.exists():
        return
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    if staff is None:
        return
    with transaction.atomic():
        for row in TOOLS:
            services.tool_create(
                actor=staff,
                data=_data(row),
                categories=Category.objects.filter(slug__in=row[1]),
            )
    stdout.write(f"Tool directory: {len(TOOLS)} tools.")


# title, language, tools (slugs), summary, tried, worked, did not work,
# effort, tips
REPORTS: list[tuple[str, str, list[str], str, str, str, str, str, str]] = [
    (
        "Vorstandssitzungen per Jitsi statt im Hinterzimmer",
        "de",
        ["jitsi-meet"],
        "Seit einem Jahr trifft sich unser Vorstand online – ohne Konten und "
        "ohne Lizenzkosten.",
        "Wir wollten, dass auch Mitglieder auf dem Land teilnehmen können, und "
        "haben Jitsi Meet über das Programm genutzt.",
        "Der Link im Kalender genügt; niemand muss sich registrieren.",
        "Mit mehr als 15 Kameras wird es bei schwachem Netz zäh.",
        "Eine Stunde Einweisung für den Vorstand, sonst keine Kosten.",
        "Kameras aus, wenn jemand mit schwacher Leitung spricht.",
    ),
    (
        "Unsere Mitgliederdaten wohnen jetzt in Nextcloud",
        "de",
        ["nextcloud"],
        "Statt Tabellen in privaten Postfächern: ein gemeinsamer Ordner mit "
        "klaren Rechten.",
        "Wir haben Listen, Protokolle und Fotos aus E-Mail-Anhängen in eine "
        "Nextcloud umgezogen.",
        "Freigaben pro Arbeitsgruppe; der Kalender für Raumbuchungen.",
        "Die Desktop-Synchronisation hat ältere Rechner überfordert.",
        "Drei Abende Umzug, danach etwa eine Stunde im Monat Pflege.",
        "Ordnerstruktur zuerst auf Papier planen, dann umziehen.",
    ),
    (
        "Surveys without handing data to an ad company",
        "en",
        ["limesurvey"],
        "We replaced a commercial form service with LimeSurvey for our annual "
        "member survey.",
        "A survey of 400 members on what our association should focus on.",
        "Conditional questions and an export to a spreadsheet.",
        "The editor takes getting used to; the first draft took long.",
        "Two days for the first survey, two hours for the next one.",
        "Copy last year's survey instead of starting from scratch.",
    ),
    (
        "Ehrenamtliche koordinieren mit Matrix",
        "de",
        ["element"],
        "Unsere Gruppen-Chats laufen jetzt über Matrix statt über private "
        "Messenger-Nummern.",
        "Die Tafel-Ausgabe braucht kurzfristige Absprachen zwischen 60 Ehrenamtlichen.",
        "Räume pro Ausgabestelle; niemand muss die Telefonnummer teilen.",
        "Die Verschlüsselungsschlüssel zu sichern, hat viele verwirrt.",
        "Ein Nachmittag Einrichtung, eine Schulung für alle.",
        "Eine kurze bebilderte Anleitung zum Einrichten ausdrucken.",
    ),
    (
        "Managing members and donations with CiviCRM",
        "en",
        ["civicrm"],
        "Our association moved its member list and donation receipts from "
        "spreadsheets into CiviCRM.",
        "Member fees, donation receipts and event invitations for a club with "
        "120 members and small grants.",
        "Receipts for the tax office are now a few clicks.",
        "Setting it up needed help; the many options were confusing at first.",
        "One weekend to set up, with help from a volunteer developer.",
        "Write down which fields you really need before you start.",
    ),
    (
        "Protokolle gemeinsam im Etherpad",
        "de",
        ["etherpad"],
        "Wir schreiben Sitzungsprotokolle jetzt gemeinsam und live mit.",
        "Protokolle der monatlichen Treffen, die früher eine Person allein abtippte.",
        "Alle sehen sofort, was notiert wird; Korrekturen gibt es während der Sitzung.",
        "Ohne feste Struktur wurde das Pad unübersichtlich.",
        "Keiner: das Pad läuft beim Programm, der Link genügt.",
        "Eine Vorlage mit der Tagesordnung vorab ins Pad kopieren.",
    ),
]


def load_reports(*, rng: random.Random, stdout: Any) -> None:
    from allmende.knowledge.models import Report, ReportState
    from allmende.knowledge.services import reports as report_services
    from allmende.knowledge.services.reports import ReportData
    from allmende.organizations.models import Membership

    if Report.objects.exists():
        return
    admins = list(
        Membership.objects.filter(role=Membership.Role.ADMIN)
        .select_related("user", "organization")
        .order_by("organization__name")[: len(REPORTS)]
    )
    if not admins:
        return
    with transaction.atomic():
        for index, row in enumerate(REPORTS):
            title, language, slugs, summary, tried, worked, bad, effort, tips = row
            admin = admins[index % len(admins)]
            report = report_services.report_create(
                actor=admin.user,
                organization=admin.organization,
                data=ReportData(
                    title=title,
                    language=language,
                    summary=summary,
                    tried=tried,
                    worked=worked,
                    did_not_work=bad,
                    effort=effort,
                    tips=tips,
                ),
                tools=Tool.objects.filter(slug__in=slugs),
            )
            report_services.report_transition(
                actor=admin.user, report=report, target=ReportState.PUBLISHED
            )
    stdout.write(f"Experience reports: {len(REPORTS)} published.")
