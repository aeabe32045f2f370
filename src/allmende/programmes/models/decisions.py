"""Letters with which staff tell applicants their decision."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allmende.programmes.models.applications import ApplicationState as A

# What a template may name, in braces: {organization}, {call} …
PLACEHOLDERS = ("applicant", "organization", "call", "date", "comments")


class DecisionTemplate(models.Model):
    class Outcome(models.TextChoices):
        ACCEPTED = A.ACCEPTED.value, _("Accept")
        REJECTED = A.REJECTED.value, _("Reject")

    call = models.ForeignKey(
        "programmes.Call", on_delete=models.CASCADE, related_name="decision_templates"
    )
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    name = models.CharField(_("name"), max_length=200)
    body_de = models.TextField(_("letter (German)"))
    body_en = models.TextField(_("letter (English)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision template")
        verbose_name_plural = _("decision templates")
        ordering = ["call", "outcome", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "name"], name="decision_template_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[A.ACCEPTED.value, A.REJECTED.value]),
                name="decision_template_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for name in ("body_de", "body_en"):
            problem = placeholder_problem(getattr(self, name))
            if problem:
                errors[name] = problem
        if errors:
            raise ValidationError(errors)


def placeholder_problem(text: str) -> str:
    """What is wrong with the placeholders of ``text``; empty if nothing."""
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    try:
        names = [name for _lit, name, _spec, _conv in string.Formatter().parse(text)]
    except ValueError:
        return str(
            _("Please write placeholders in braces, such as {call}. Allowed: %s")
            % allowed
        )
    unknown = sorted({n for n in names if n is not None and n not in PLACEHOLDERS})
    if unknown:
        return str(
            _("Unknown placeholder: %(names)s. Allowed: %(allowed)s")
            % {"names": ", ".join(f"{{{n}}}" for n in unknown), "allowed": allowed}
        )
    return ""
