"""Demo data of the helpdesk: categories with an agent, canned answers, FAQ
entries and questions in several states."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from allmende.accounts.models import User
from allmende.helpdesk import services
from allmende.helpdesk.inbound import InboundMail
from allmende.helpdesk.models import CannedAnswer, Category, FaqEntry, Ticket

CATEGORIES = [
    ("werkzeuge", "Digitale Werkzeuge", "Digital tools", 10),
    ("daten", "Daten und Datenschutz", "Data and data protection", 20),
    ("foerderung", "Förderung und Antrag", "Funding and applications", 30),
]

FAQ = [
    (
        "werkzeuge",
        "Wie richten wir eine Videokonferenz für den Vorstand ein?",
        "How do we set up a video conference for the board?",
        "Beantragen Sie unter *Werkzeuge* den Zugang zum Videodienst des "
        "Programms. Nach der Freigabe legen Sie einen Raum an und teilen den "
        "Link mit dem Vorstand.",
        "Request access to the programme's video service under *Tools*. Once "
        "approved, create a room and share its link with the board.",
    ),
    (
        "daten",
        "Dürfen wir Mitgliederlisten in einer Cloud speichern?",
        "May we keep membership lists in a cloud service?",
        "Ja, wenn der Anbieter einen Vertrag zur Auftragsverarbeitung anbietet "
        "und die Daten in der EU verarbeitet. Halten Sie fest, wer Zugriff hat.",
        "Yes, if the provider offers a data processing agreement and processes "
        "the data in the EU. Record who has access.",
    ),
    (
        "foerderung",
        "Bis wann können wir den Antrag noch ändern?",
        "Until when can we change our application?",
        "Bis zum Ende der Antragsfrist können Sie alle Antworten ändern. Danach "
        "nur noch auf Nachfrage des Programmteams.",
        "You can change every answer until the call closes; after that only "
        "when the programme team asks.",
    ),
]

CANNED = [
    (
        "Begrüßung und Rückfrage",
        "Hallo {name},\n\nvielen Dank für Ihre Frage {ticket}. Damit wir helfen "
        "können: Welches Gerät und welchen Browser nutzen Sie?\n\nViele Grüße\n"
        "{agent}",
        "Hello {name},\n\nthank you for your question {ticket}. So that we can "
        "help: which device and which browser do you use?\n\nKind regards\n"
        "{agent}",
    ),
    (
        "Verweis auf die FAQ",
        "Hallo {name},\n\ndie Antwort finden Sie in unseren häufigen Fragen "
        "unter {site}/help/faq/.\n\nViele Grüße\n{agent}",
        "Hello {name},\n\nyou will find the answer in our frequently asked "
        "questions at {site}/help/faq/.\n\nKind regards\n{agent}",
    ),
]

TICKETS = [
    (
        "werkzeuge",
        "Passwort für den Videodienst vergessen",
        "Guten Tag, ich komme nicht mehr in unseren Raum im Videodienst.",
        "open",
    ),
    (
        "daten",
        "Newsletter-Adressen exportieren",
        "Wie bekommen wir unsere Newsletter-Adressen als CSV-Datei?",
        "waiting",
    ),
    (
        "foerderung",
        "Frage zur Antragsfrist",
        "Gilt die Frist bis Mitternacht oder bis Dienstschluss?",
        "resolved",
    ),
    (
        "werkzeuge",
        "Umfrage-Werkzeug gesucht",
        "Welches Umfrage-Werkzeug ist datenschutzfreundlich?",
        "new",
    ),
]


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if Category.objects.exists():
        return
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    people = list(User.objects.filter(is_staff=False).order_by("pk")[:5])
    with transaction.atomic():
        categories = {}
        for slug, name_de, name_en, order in CATEGORIES:
            categories[slug] = Category.objects.create(
                slug=slug, name_de=name_de, name_en=name_en, order=order
            )
        agent = people[0] if people else None
        if agent is not None:
            categories["werkzeuge"].agents.add(agent)
            categories["daten"].agents.add(agent)
        for title, text_de, text_en in CANNED:
            CannedAnswer.objects.create(title=title, text_de=text_de, text_en=text_en)
        for slug, q_de, q_en, a_de, a_en in FAQ:
            entry = FaqEntry.objects.create(
                category=categories[slug],
                question_de=q_de,
                question_en=q_en,
                answer_de=a_de,
                answer_en=a_en,
            )
            services.faq_index(entry)
    askers = people[1:] or people
    for number, (slug, subject, text, state) in enumerate(TICKETS):
        asker = askers[number % len(askers)] if askers else None
        mail = InboundMail(
            from_address=asker.email if asker else f"frage{number}@example.org",
            from_name=str(asker) if asker else "",
            subject=subject,
            text=text,
            message_id=f"<demo-{number}@example.org>",
            is_auto=True,
        )
        message = services.ticket_message_from_mail(
            parsed=mail, mailbox="demo", uidvalidity=1, uid=number + 1, eml_path=""
        )
        ticket = Ticket.objects.get(pk=message.ticket_id)  # type: ignore[misc]
        worker = staff
        if worker is None:
            continue
        services.ticket_categorise(
            ticket=ticket, actor=worker, category=categories[slug]
        )
        if state in ("open", "waiting", "resolved"):
            services.ticket_transition(ticket=ticket, actor=worker, target="open")
        if state in ("waiting", "resolved"):
            services.ticket_reply(
                ticket=ticket,
                actor=worker,
                text="Vielen Dank für Ihre Frage! Hier ist unsere Antwort.",
            )
        if state == "resolved":
            services.ticket_transition(ticket=ticket, actor=worker, target="resolved")
    stdout.write(
        f"Helpdesk: {len(CATEGORIES)} categories, {len(FAQ)} FAQ entries, "
        f"{len(TICKETS)} questions ({timezone.now():%Y-%m-%d})."
    )
