"""How complete a dataset's metadata is, measured against DCAT-AP.de 3.0.

Portals that harvest the catalog (GovData, the EU data portal) rank and filter
by the mandatory and recommended properties of DCAT-AP.de. What the platform
fills in by itself (title, publisher, licence, language, dates, formats and
sizes of uploads) is always there; these checks cover what only the owner can
give. The score is the share of checks passed, so owners see at a glance what
is missing and where to add it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from allmende.catalog.models import Dataset, Resource


@dataclass(frozen=True)
class Check:
    # The dataset form's field that fixes it; "resources" for adding data, ""
    # for what is fixed on a resource's own page.
    field: str
    label: str | Promise
    mandatory: bool
    passed: bool

    @property
    def anchor(self) -> str:
        """The HTML id of the form field, to link to it."""
        if self.field == "themes":
            return "id_themes_0"
        return f"id_{self.field}" if self.field else ""


@dataclass(frozen=True)
class Quality:
    checks: tuple[Check, ...]

    @property
    def score(self) -> int:
        """Per cent of checks passed."""
        if not self.checks:
            return 100
        return round(100 * sum(c.passed for c in self.checks) / len(self.checks))

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def missing(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


# Dataset form fields that DCAT-AP.de recommends (the form marks them).
RECOMMENDED_FIELDS = (
    "description_de",
    "keywords",
    "themes",
    "contact_email",
    "spatial",
    "temporal_start",
    "update_frequency",
)


def dataset_quality(dataset: Dataset, resources: Sequence[Resource]) -> Quality:
    """The checks of one dataset; ``resources`` are its resources, already loaded."""
    theme_count = len(dataset.themes.all())
    checks = (
        Check(
            "description_de",
            _("a description"),
            True,
            bool(dataset.description_de.strip() or dataset.description_en.strip()),
        ),
        Check("resources", _("data (a file or a link)"), False, bool(resources)),
        Check("keywords", _("keywords"), False, bool(dataset.keywords)),
        Check("themes", _("at least one theme"), False, theme_count > 0),
        Check(
            "contact_email",
            _("a contact e-mail address"),
            False,
            bool(dataset.contact_email),
        ),
        Check("spatial", _("the area covered"), False, bool(dataset.spatial)),
        Check(
            "temporal_start",
            _("the time covered"),
            False,
            dataset.temporal_start is not None or dataset.temporal_end is not None,
        ),
        Check(
            "update_frequency",
            _("how often it is updated"),
            False,
            bool(dataset.update_frequency),
        ),
        Check(
            "",
            _("the format of every linked file"),
            False,
            all(r.format for r in resources if r.kind == Resource.Kind.LINK),
        ),
    )
    return Quality(checks)
