from __future__ import annotations

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import (
    NaturalTimeFormatter,
    naturaltime,
)
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """How long ago, in its largest unit only: "3 months ago", not
    humanize's "3 months, 1 week ago"."""
    if value is None:
        return ""
    now = timezone.now()
    if (now - value).days < 1:
        return str(naturaltime(value))
    delta = timesince(
        value, now, time_strings=NaturalTimeFormatter.past_substrings, depth=1
    )
    return str(NaturalTimeFormatter.time_strings["past-day"] % {"delta": delta})
