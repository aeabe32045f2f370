from __future__ import annotations

import io
import random

import pytest

from allmende.catalog.demo import load_demo
from allmende.catalog.models import Dataset, ResourceVersion
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_demo_loads_published_datasets_once() -> None:
    OrganizationFactory()
    load_demo(rng=random.Random(1), stdout=io.StringIO())
    assert Dataset.objects.filter(status="published").count() == 2
    assert set(ResourceVersion.objects.values_list("status", flat=True)) == {"ready"}
    load_demo(rng=random.Random(1), stdout=io.StringIO())
    assert Dataset.objects.count() == 2
