from __future__ import annotations

import secrets

import factory

from allmende.helpdesk.models import CannedAnswer, Category, FaqEntry, Ticket


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"thema-{n}")
    name_de = factory.Sequence(lambda n: f"Thema {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    subject = "Frage zum Newsletter"
    category = factory.SubFactory(CategoryFactory)
    asker_email = factory.Sequence(lambda n: f"asker{n}@example.org")
    asker_name = "Erika Mustermann"
    token = factory.LazyFunction(lambda: secrets.token_hex(8))
    nonce = factory.LazyFunction(lambda: secrets.token_hex(16))
    language = "de"
    confirmed_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)


class CannedAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CannedAnswer

    title = "Rückfrage"
    text_de = "Hallo {name}, danke für {ticket}. Gruß {agent}"
    text_en = "Hello {name}, thanks for {ticket}. Regards {agent}"


class FaqEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqEntry

    category = factory.SubFactory(CategoryFactory)
    question_de = "Wie exportieren wir den Newsletter?"
    question_en = "How do we export the newsletter?"
    answer_de = "Über das Menü Export."
    answer_en = "Through the export menu."
