from __future__ import annotations

import factory

from allmende.core.models import FocusArea
from allmende.organizations.models import LegalForm, Membership, Organization, Region
from tests.accounts.factories import UserFactory


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusArea
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"area-{n}")
    name_de = factory.Sequence(lambda n: f"Bereich {n}")
    name_en = factory.Sequence(lambda n: f"Area {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Verein Nummer {n} e.V.")
    slug = factory.Sequence(lambda n: f"verein-{n}")
    legal_form = LegalForm.EV
    region = Region.SN
    city = "Leipzig"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER
