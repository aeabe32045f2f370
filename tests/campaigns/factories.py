from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from allmende.campaigns.models import (
    Campaign,
    CampaignCounter,
    CampaignState,
    ConsentText,
    Demand,
    SignerKinds,
)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"kampagne-{n}")
    title_de = factory.Sequence(lambda n: f"Kampagne {n}")
    title_en = factory.Sequence(lambda n: f"Campaign {n}")
    claim_de = "Gemeinsam für mehr Teilhabe"
    claim_en = "Together for more participation"
    state = CampaignState.PUBLISHED
    signers = SignerKinds.EVERYONE
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    goal = 100
    consent_de = "Ich bin einverstanden, dass meine Angaben gespeichert werden."
    consent_en = "I agree that my details are stored."

    @factory.post_generation
    def consent_text(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            CampaignCounter.objects.create(campaign=self, updated_at=timezone.now())
            ConsentText.objects.create(
                campaign=self,
                version=self.consent_version,
                text_de=self.consent_de,
                text_en=self.consent_en,
            )


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_de = "Zivilgesellschaft beteiligen"
    title_en = "Include civil society"
    text_de = "Mit **Nachdruck**."
