"""Demo data of campaigns: one open campaign with its demands, co-signing
organizations and confirmed signatures of individuals."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from allmende.campaigns.models import (
    Campaign,
    CampaignCounter,
    CampaignState,
    ConsentText,
    Demand,
    OrganizationSignature,
    OrganizationSignatureState,
    Signature,
    SignatureState,
    SignerKinds,
)
from allmende.campaigns.services import campaign_index
from allmende.organizations.models import Organization

DEMANDS = [
    (
        "Zivilgesellschaft an der Digitalpolitik beteiligen",
        "Involve civil society in digital policy",
        "Gesetze und Strategien zur Digitalisierung betreffen alle. Vereine, "
        "Initiativen und Stiftungen gehören von Anfang an an den Tisch: mit "
        "ausreichend Zeit für Stellungnahmen und offenen Verfahren.",
        "Laws and strategies on digitalisation affect everyone. Associations, "
        "initiatives and foundations belong at the table from the start, with "
        "enough time to respond and open procedures.",
    ),
    (
        "Förderung, die zur digitalen Zivilgesellschaft passt",
        "Support and funding that fit digital civil society",
        "Wir brauchen neue Förderprogramme, die Ehrenamt, kleine Teams und "
        "langfristige Arbeit an gemeinwohlorientierter Technik ermöglichen, "
        "statt nur kurze Projekte zu finanzieren.",
        "New programmes are needed that enable volunteers, small teams and "
        "long-term work on technology for the common good, instead of funding "
        "short projects only.",
    ),
    (
        "Offene Daten, Open Access und Open Source als Bedingung öffentlicher Aufträge",
        "Open data, open access and open source as a condition of public contracts",
        "Was mit öffentlichem Geld entsteht, soll allen nützen: Daten, "
        "Veröffentlichungen und Software aus öffentlichen Aufträgen werden "
        "offen bereitgestellt.",
        "What public money pays for should serve everyone: data, publications "
        "and software from public contracts are made openly available.",
    ),
    (
        "Digitale Infrastruktur ist kritische Infrastruktur",
        "Digital infrastructure is critical infrastructure",
        "Freie Software, offene Datenbestände und Plattformen, auf die sich "
        "viele verlassen, brauchen dauerhafte Mittel für Wartung und Pflege, "
        "nicht nur für Neues.",
        "Free software, open data sets and platforms that many depend on need "
        "lasting funds for maintenance and care, not only for new things.",
    ),
]

FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Ilias",
    "Jana", "Karim", "Lea", "Mehmet", "Nina", "Oskar", "Paula", "Quentin", "Rosa",
    "Samuel", "Tara", "Uwe", "Vera", "Wanda", "Yusuf", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
    "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Yılmaz",
    "Nowak", "Krause", "Lange", "Berger", "Hartmann",
]  # fmt: skip

SLUG = "aus-der-krise-lernen"
SIGNATURES = 300
CO_SIGNERS = 12


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if Campaign.objects.filter(slug=SLUG).exists():
        stdout.write("Demo campaign already present; left as it is.")
        return
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            slug=SLUG,
            title_de="Aus der Krise lernen: Digitale Zivilgesellschaft stärken!",
            title_en="Learning from the crisis: strengthening digital civil society!",
            claim_de="Vier Forderungen für eine starke, offene und gut "
            "ausgestattete digitale Zivilgesellschaft.",
            claim_en="Four demands for a strong, open and well-equipped digital "
            "civil society.",
            background_de="Die Krise hat gezeigt, wie viel die digitale "
            "Zivilgesellschaft leistet – und wie wenig davon abgesichert ist. "
            "Dieses Bündnis fordert, daraus zu lernen.",
            background_en="The crisis showed how much digital civil society does, "
            "and how little of it is secured. This alliance asks to learn from it.",
            state=CampaignState.PUBLISHED,
            signers=SignerKinds.EVERYONE,
            starts_at=now - timedelta(days=30),
            ends_at=now + timedelta(days=60),
            goal=1000,
            consent_de="Ich bin damit einverstanden, dass meine Angaben zur "
            "Unterstützung dieser Kampagne gespeichert werden. Meinen Namen zeigen "
            "wir nur, wenn Sie es wünschen.",
            consent_en="I agree that my details are stored to support this "
            "campaign. Your name is shown only if you wish.",
        )
        ConsentText.objects.create(
            campaign=campaign,
            version=campaign.consent_version,
            text_de=campaign.consent_de,
            text_en=campaign.consent_en,
        )
        for number, (title_de, title_en, text_de, text_en) in enumerate(DEMANDS, 1):
            Demand.objects.create(
                campaign=campaign,
                number=number,
                title_de=title_de,
                title_en=title_en,
                text_de=text_de,
                text_en=text_en,
            )
        verified = list(Organization.objects.filter(is_verified=True).order_by("pk"))
        co_signers = rng.sample(verified, k=min(CO_SIGNERS, len(verified)))
        if co_signers:
            # The first co-signer runs the campaign and may export it.
            campaign.organization = co_signers[0]
            campaign.save(update_fields=["organization"])
        for organization in co_signers:
            OrganizationSignature.objects.create(
                campaign=campaign,
                organization=organization,
                state=OrganizationSignatureState.SIGNED,
                signed_at=now - timedelta(days=rng.randint(1, 29)),
            )
        signatures = []
        for number in range(SIGNATURES):
            signed_at = now - timedelta(minutes=rng.randint(60, 29 * 24 * 60))
            signatures.append(
                Signature(
                    campaign=campaign,
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    email=f"unterstuetzer{number}@example.org",
                    postcode=f"{rng.randint(1067, 99998):05d}",
                    name_public=rng.random() < 0.6,
                    state=SignatureState.CONFIRMED,
                    consent_version=campaign.consent_version,
                    nonce=secrets.token_hex(16),
                    signed_at=signed_at,
                    confirmed_at=signed_at + timedelta(minutes=rng.randint(1, 50)),
                )
            )
        Signature.objects.bulk_create(signatures, batch_size=500)
        CampaignCounter.objects.create(
            campaign=campaign,
            organizations=len(co_signers),
            individuals=len(signatures),
            updated_at=now,
        )
        campaign_index(campaign)
    stdout.write(
        f"Demo campaign with {len(DEMANDS)} demands and {SIGNATURES} signatures."
    )
