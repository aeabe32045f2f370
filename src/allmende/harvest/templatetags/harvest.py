"""``{% harvest_origin dataset %}``: "Harvested from …" on a dataset page."""

from __future__ import annotations

from typing import Any

from django import template

from allmende.catalog.models import Dataset
from allmende.harvest.selectors import dataset_origin

register = template.Library()


@register.inclusion_tag("harvest/_origin.html")
def harvest_origin(dataset: Dataset) -> dict[str, Any]:
    return {"record": dataset_origin(dataset=dataset)}
