from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from allmende.events.models import Event, EventFormat, EventType, Host
from tests.organizations.factories import OrganizationFactory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title_de = factory.Sequence(lambda n: f"Werkstatt {n}")
    title_en = factory.Sequence(lambda n: f"Workshop {n}")
    slug = factory.Sequence(lambda n: f"werkstatt-{n}")
    event_type = EventType.WORKSHOP
    format = EventFormat.IN_PERSON
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 20
    city = "Leipzig"
    reminder_minutes = factory.LazyFunction(lambda: [1440, 60])


class HostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Host

    organization = factory.SubFactory(OrganizationFactory)
