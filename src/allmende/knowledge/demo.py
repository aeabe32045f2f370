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
    load_handbook(rng=rng, stdout=stdout)
    load_services(rng=rng, stdout=stdout)
    load_suggestions(rng=rng, stdout=stdout)


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


# The demo handbook, in German and English: (chapter, page title, text) per
# language, in the same order so that each page has its counterpart.
HANDBOOK_DE = (
    "krisenfeste-verwaltung",
    "Krisenfeste Verwaltung und Zivilgesellschaft",
    "Wie Verwaltungen und Vereine mit offenen Daten, freier Software, offenen "
    "Schnittstellen und offenen Lizenzen handlungsfähig bleiben, wenn es darauf "
    "ankommt.",
    [
        (
            "Offene Daten",
            "Warum offene Daten in der Krise tragen",
            """In einer Krise brauchen viele Stellen zugleich dieselben
Informationen: Wo sind Notunterkünfte, welche Straßen sind gesperrt, wer hat
welche Vorräte? Wenn diese Daten nur in einem Fachverfahren liegen, werden sie
abgeschrieben, per Tabelle verschickt und veralten sofort.

## Was offene Daten ändern

Offene Daten sind maschinenlesbar, frei nutzbar und an einer festen Adresse
abrufbar. Helfende Initiativen können sie direkt in Karten und Apps übernehmen,
ohne erst um Erlaubnis zu fragen.

## Womit Sie anfangen

- Listen Sie auf, welche Daten in einer Lage zuerst gefragt sind.
- Veröffentlichen Sie diese vorab, nicht erst im Ernstfall.
- Nennen Sie eine Ansprechperson und ein Aktualisierungsintervall.

### Ein Beispiel

Ein Landkreis veröffentlicht die Standorte seiner Sirenen und
Notstromaggregate als CSV-Datei. Ein Verein baut daraus in einer Nacht eine
Karte für ältere Menschen im Ort.
""",
        ),
        (
            "Freie und offene Software",
            "Freie Software als Versicherung",
            """Software, deren Quelltext offenliegt, kann jede fähige Person
weiterbetreiben, prüfen und anpassen. Das schützt davor, dass ein Dienst genau
dann verschwindet, wenn er gebraucht wird.

## Abhängigkeiten erkennen

Fragen Sie bei jedem Werkzeug: Wer darf es betreiben? Was passiert, wenn der
Anbieter aufgibt? Können wir unsere Daten vollständig mitnehmen?

## Gemeinsam betreiben

Vereine müssen nicht alles selbst hosten. Ein Programm oder ein Verbund kann
Videokonferenzen, Chat und Dateiablage für viele betreiben – auf freier
Software, sodass niemand eingesperrt ist.
""",
        ),
        (
            "Offene Schnittstellen",
            "Schnittstellen, die jede Seite versteht",
            """Eine offene Schnittstelle ist dokumentiert, folgt einem Standard
und ist ohne Sondervertrag nutzbar. So können Systeme verschiedener Stellen
miteinander sprechen, auch wenn sie nie dafür geplant wurden.

## Standards vor Eigenbau

Wo es einen Standard gibt – etwa DCAT-AP für Datenkataloge oder iCalendar für
Termine –, nutzen Sie ihn. Jede eigene Lösung ist eine Übersetzung mehr, die im
Ernstfall fehlt.

## Dokumentation gehört dazu

Beschreiben Sie jede Schnittstelle so, dass eine Person ohne Vorwissen sie in
einer Stunde anbinden kann.
""",
        ),
        (
            "Offene Lizenzen",
            "Klare Lizenzen ersparen Rückfragen",
            """Daten und Texte helfen nur, wenn alle wissen, dass sie sie nutzen
dürfen. Eine offene Lizenz sagt das ein für alle Mal.

## Welche Lizenz?

Für Daten eignet sich die Datenlizenz Deutschland – Zero oder CC0, für Texte
CC BY 4.0. Für Software wählen Sie eine Lizenz von der SPDX-Liste.

## Lizenz sichtbar machen

Schreiben Sie die Lizenz neben jeden Download und in die Metadaten, damit
auch Maschinen sie lesen können.
""",
        ),
    ],
)
HANDBOOK_EN = (
    "crisis-resilient-administration",
    "Crisis-resilient administration and civil society",
    "How administrations and associations stay able to act with open data, "
    "free and open software, open interfaces and open licences.",
    [
        (
            "Open data",
            "Why open data carries you through a crisis",
            """In a crisis many people need the same information at once:
where are the shelters, which roads are closed, who holds which supplies? Data
locked in one system gets copied by hand and is out of date at once.

## What open data changes

Open data is machine-readable, free to use and at a stable address. Helpers
can put it on maps and into apps without asking first.

## Where to start

- List the data that is asked for first in an emergency.
- Publish it beforehand, not during the emergency.
- Name a contact and how often it is updated.
""",
        ),
        (
            "Free and open software",
            "Free software as insurance",
            """Software whose source is open can be run, checked and changed by
anyone able to. It cannot vanish just when it is needed.

## Know your dependencies

Ask of every tool: who may run it, what happens if the vendor gives up, and
can we take all our data with us?
""",
        ),
        (
            "Open interfaces",
            "Interfaces every side understands",
            """An open interface is documented, follows a standard and needs no
special contract, so systems of different bodies can talk to each other.

## Standards before home-made solutions

Where a standard exists, such as DCAT-AP for data catalogues or iCalendar for
dates, use it.
""",
        ),
        (
            "Open licences",
            "Clear licences save questions",
            """Data and texts only help when everyone knows they may use them.
An open licence says so once and for all.

## Which licence?

For data, CC0 or the Data licence Germany – Zero; for texts CC BY 4.0; for
software a licence from the SPDX list.
""",
        ),
    ],
)


def load_handbook(*, rng: random.Random, stdout: Any) -> None:
    from allmende.knowledge.models import Book, Chapter, Page, PageState
    from allmende.knowledge.services import handbook

    if Book.objects.exists():
        return
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    if staff is None:
        return
    with transaction.atomic():
        made: dict[str, list[Page]] = {}
        books: dict[str, Book] = {}
        for language, (slug, title, description, pages) in (
            ("de", HANDBOOK_DE),
            ("en", HANDBOOK_EN),
        ):
            book = Book.objects.create(
                slug=slug, title=title, description=description, language=language
            )
            books[language] = book
            made[language] = []
            for position, (chapter_title, page_title, body) in enumerate(pages):
                chapter = Chapter.objects.create(
                    book=book, title=chapter_title, position=position
                )
                page = handbook.page_create(
                    actor=staff,
                    chapter=chapter,
                    title=page_title,
                    body=body,
                    message="Erste Fassung" if language == "de" else "First version",
                )
                for target in (PageState.IN_REVIEW, PageState.PUBLISHED):
                    page = handbook.page_transition(
                        actor=staff, page=page, target=target
                    )
                made[language].append(page)
        Book.objects.filter(pk=books["de"].pk).update(counterpart=books["en"])
        Book.objects.filter(pk=books["en"].pk).update(counterpart=books["de"])
        for german, english in zip(made["de"], made["en"], strict=True):
            Page.objects.filter(pk=german.pk).update(counterpart=english)
            Page.objects.filter(pk=english.pk).update(counterpart=german)
        # A change waiting for review, so the review queue shows something.
        first = made["de"][0]
        latest = first.revisions.order_by("-number").first()
        if latest is not None:
            handbook.page_save(
                actor=staff,
                page=first,
                title=latest.title,
                body=latest.body
                + "\n## Datenqualität\n\nLieber wenige Daten aktuell als viele "
                "veraltet.\n",
                message="Abschnitt zur Datenqualität",
            )
            handbook.page_transition(
                actor=staff, page=first, target=PageState.IN_REVIEW
            )
    stdout.write("Handbook: 2 books (de, en), 8 pages.")


# slug, name, tool, description (de, en), quota (de, en), capacity
SERVICES: list[tuple[str, str, str, tuple[str, str], tuple[str, str], int | None]] = [
    (
        "video",
        "Videokonferenzen",
        "jitsi-meet",
        (
            "Videokonferenzen für Vorstandssitzungen, Beratungen und "
            "Workshops, betrieben vom Programm in Deutschland.",
            "Video conferences for board meetings, consultations and "
            "workshops, run by the programme in Germany.",
        ),
        ("bis 50 Teilnehmende je Raum", "up to 50 participants per room"),
        150,
    ),
    (
        "chat",
        "Chat",
        "element",
        (
            "Verschlüsselter Chat für Teams und Ehrenamtliche.",
            "Encrypted chat for teams and volunteers.",
        ),
        ("bis 200 Konten je Organisation", "up to 200 accounts per organization"),
        None,
    ),
    (
        "pads",
        "Pads",
        "etherpad",
        (
            "Gemeinsam an Texten schreiben, live und ohne Konto.",
            "Write texts together, live and without an account.",
        ),
        ("unbegrenzte Pads", "unlimited pads"),
        None,
    ),
    (
        "cloud",
        "Cloud",
        "nextcloud",
        (
            "Dateiablage, Kalender und Kontakte für Ihre Organisation.",
            "File storage, calendars and contacts for your organization.",
        ),
        ("50 GB je Organisation", "50 GB per organization"),
        40,
    ),
]

CODE_DE = """Wir nutzen die Dienste des Programms fair und für gemeinnützige Zwecke.

- Keine Inhalte, die andere herabsetzen oder gegen Gesetze verstoßen.
- Zugangsdaten geben wir nur an Mitglieder unserer Organisation weiter.
- Probleme und Missbrauch melden wir dem Programmteam.
"""
CODE_EN = """We use the programme's services fairly and for non-profit purposes.

- No content that demeans others or breaks the law.
- We pass access details only to members of our organization.
- We report problems and abuse to the programme team.
"""


def load_services(*, rng: random.Random, stdout: Any) -> None:
    from allmende.knowledge.models import (
        AccessState,
        CodeOfConduct,
        HostedService,
    )
    from allmende.knowledge.services import hosting
    from allmende.knowledge.services.hosting import ServiceRequestData
    from allmende.organizations.models import Membership

    if HostedService.objects.exists():
        return
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    with transaction.atomic():
        made = []
        for position, (slug, name, tool, description, quota, capacity) in enumerate(
            SERVICES
        ):
            service = HostedService.objects.create(
                slug=slug,
                name=name,
                tool=Tool.objects.filter(slug=tool).first(),
                description_de=description[0],
                description_en=description[1],
                quota_de=quota[0],
                quota_en=quota[1],
                capacity=capacity,
                requires_verified=slug == "cloud",
                position=position,
            )
            CodeOfConduct.objects.create(
                service=service, version=1, text_de=CODE_DE, text_en=CODE_EN
            )
            made.append(service)
        admins = list(
            Membership.objects.filter(role=Membership.Role.ADMIN)
            .select_related("user", "organization")
            .order_by("organization__name")[:3]
        )
        for index, admin in enumerate(admins):
            service = made[index % 2]
            code = hosting.current_code(service)
            if code is None:
                continue
            request = hosting.service_request_create(
                actor=admin.user,
                service=service,
                organization=admin.organization,
                data=ServiceRequestData(
                    purpose="Vorstandssitzungen und Treffen der Arbeitsgruppen.",
                    expected_users=12 + index,
                    contact_name=str(admin.user),
                    contact_email=admin.user.email,
                ),
                accepted_code=code,
            )
            if index == 0 and staff is not None:
                for target in (AccessState.APPROVED, AccessState.PROVISIONING):
                    request = hosting.service_request_transition(
                        actor=staff, request=request, target=target
                    )
                hosting.service_request_transition(
                    actor=staff,
                    request=request,
                    target=AccessState.ACTIVE,
                    access_details="https://video.example.org/ – Raum: vorstand",
                )
    stdout.write(f"Hosted services: {len(SERVICES)} with requests.")


def load_suggestions(*, rng: random.Random, stdout: Any) -> None:
    from allmende.knowledge.models import ToolSuggestion
    from allmende.knowledge.services import reports as report_services
    from allmende.organizations.models import Membership

    if ToolSuggestion.objects.exists():
        return
    member = (
        Membership.objects.select_related("user", "organization")
        .order_by("organization__name")
        .first()
    )
    if member is None:
        return
    with transaction.atomic():
        report_services.tool_suggestion_create(
            actor=member.user,
            organization=member.organization,
            name="Mobilizon",
            homepage_url="https://joinmobilizon.org/",
            text="Veranstaltungen im Fediverse ankündigen, ohne Facebook.",
        )
        tool = Tool.objects.filter(slug="limesurvey").first()
        if tool is not None:
            report_services.tool_suggestion_create(
                actor=member.user,
                organization=member.organization,
                tool=tool,
                text="Die Oberfläche gibt es inzwischen auch auf Ukrainisch.",
            )
    stdout.write("Tool suggestions: 2 waiting for editors.")
