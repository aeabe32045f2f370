"""Controlled vocabularies of the catalog: licences, themes, update frequencies.

The URIs are those of DCAT-AP.de and the EU Publications Office, so a later
DCAT-AP.de or CKAN export can use the stored values as they are. Labels come in
German and English; :func:`label` picks the one for the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

LICENCE_BASE = "http://dcat-ap.de/def/licenses/"
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"


@dataclass(frozen=True)
class Term:
    code: str
    uri: str
    label_de: str
    label_en: str
    open: bool = True

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "de")[:2] == "en" else self.label_de


def _licence(code: str, de: str, en: str, *, open: bool = True) -> Term:
    return Term(code, LICENCE_BASE + code, de, en, open)


LICENCES: tuple[Term, ...] = (
    _licence(
        "cc-by/4.0",
        "Creative Commons Namensnennung 4.0 International (CC BY 4.0)",
        "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    ),
    _licence(
        "cc-by-sa/4.0",
        "Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen "
        "4.0 International (CC BY-SA 4.0)",
        "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
    ),
    _licence(
        "cc-by",
        "Creative Commons Namensnennung (CC-BY)",
        "Creative Commons Attribution (CC BY)",
    ),
    _licence(
        "cc-by-de/3.0",
        "Creative Commons Namensnennung 3.0 Deutschland (CC BY 3.0 DE)",
        "Creative Commons Attribution 3.0 Germany (CC BY 3.0 DE)",
    ),
    _licence(
        "cc-by-sa",
        "Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen "
        "(CC-BY-SA)",
        "Creative Commons Attribution-ShareAlike (CC BY-SA)",
    ),
    _licence(
        "cc-zero",
        "Creative Commons CC Zero (CC0 1.0)",
        "Creative Commons CC Zero (CC0 1.0)",
    ),
    _licence(
        "dl-by-de/2.0",
        "Datenlizenz Deutschland – Namensnennung – Version 2.0",
        "Data licence Germany – attribution – version 2.0",
    ),
    _licence(
        "dl-zero-de/2.0",
        "Datenlizenz Deutschland – Zero – Version 2.0",
        "Data licence Germany – Zero – version 2.0",
    ),
    _licence(
        "odbl",
        "Open Data Commons Open Database License (ODbL)",
        "Open Data Commons Open Database License (ODbL)",
    ),
    _licence(
        "odby",
        "Open Data Commons Attribution License (ODC-By)",
        "Open Data Commons Attribution License (ODC-By)",
    ),
    _licence(
        "odcpddl",
        "Open Data Commons Public Domain Dedication and Licence (PDDL)",
        "Open Data Commons Public Domain Dedication and Licence (PDDL)",
    ),
    _licence(
        "cc-by-nc/4.0",
        "Creative Commons Namensnennung – Nicht kommerziell 4.0 International "
        "(CC BY-NC 4.0)",
        "Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)",
        open=False,
    ),
    _licence(
        "cc-by-nc",
        "Creative Commons Namensnennung – Nicht kommerziell (CC BY-NC)",
        "Creative Commons Attribution-NonCommercial (CC BY-NC)",
        open=False,
    ),
    _licence(
        "cc-by-nd/4.0",
        "Creative Commons Namensnennung – Keine Bearbeitungen 4.0 International "
        "(CC BY-ND 4.0)",
        "Creative Commons Attribution-NoDerivatives 4.0 International (CC BY-ND 4.0)",
        open=False,
    ),
    _licence(
        "officialWork",
        "Amtliches Werk, lizenzfrei nach §5 Abs. 1 UrhG",
        "Official work, free of copyright under §5(1) German Copyright Act",
    ),
    _licence("other-open", "Andere offene Lizenz", "Other open licence"),
    _licence(
        "other-closed", "Andere geschlossene Lizenz", "Other closed licence", open=False
    ),
)

THEMES: tuple[Term, ...] = tuple(
    Term(code, THEME_BASE + code, de, en)
    for code, de, en in (
        ("AGRI", "Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel",
         "Agriculture, fisheries, forestry and food"),
        ("ECON", "Wirtschaft und Finanzen", "Economy and finance"),
        ("EDUC", "Bildung, Kultur und Sport", "Education, culture and sport"),
        ("ENER", "Energie", "Energy"),
        ("ENVI", "Umwelt", "Environment"),
        ("GOVE", "Regierung und öffentlicher Sektor", "Government and public sector"),
        ("HEAL", "Gesundheit", "Health"),
        ("INTR", "Internationale Themen", "International issues"),
        ("JUST", "Justiz, Rechtssystem und öffentliche Sicherheit",
         "Justice, legal system and public safety"),
        ("REGI", "Regionen und Städte", "Regions and cities"),
        ("SOCI", "Bevölkerung und Gesellschaft", "Population and society"),
        ("TECH", "Wissenschaft und Technologie", "Science and technology"),
        ("TRAN", "Verkehr", "Transport"),
    )
)  # fmt: skip

FREQUENCIES: tuple[Term, ...] = tuple(
    Term(code, FREQUENCY_BASE + code, de, en)
    for code, de, en in (
        ("CONT", "kontinuierlich", "continuous"),
        ("DAILY", "täglich", "daily"),
        ("WEEKLY", "wöchentlich", "weekly"),
        ("MONTHLY", "monatlich", "monthly"),
        ("QUARTERLY", "vierteljährlich", "quarterly"),
        ("ANNUAL", "jährlich", "annual"),
        ("IRREG", "unregelmäßig", "irregular"),
        ("NEVER", "nie", "never"),
        ("UNKNOWN", "unbekannt", "unknown"),
    )
)  # fmt: skip

_BY_URI = {term.uri: term for term in (*LICENCES, *THEMES, *FREQUENCIES)}

# A licence another catalog names in a way not listed below is stored as this
# one: nothing is known about it, so it must not be shown as open.
LICENCE_FALLBACK = LICENCE_BASE + "other-closed"

# Names other catalogs use for the licences above: CKAN and opendefinition.org
# ids, SPDX ids, GovData's and the licensors' own addresses, the EU authority
# list. Compared after :func:`_licence_key` has normalized them.
_LICENCE_ALIASES: dict[str, str] = {
    "cc-by": "cc-by",
    "cc-by-3.0": "cc-by",
    "cc-by-3.0-de": "cc-by-de/3.0",
    "cc-by-de-3.0": "cc-by-de/3.0",
    "cc-by-4.0": "cc-by/4.0",
    "cc-by-intl-4.0": "cc-by/4.0",
    "creativecommons.org/licenses/by/4.0": "cc-by/4.0",
    "creativecommons.org/licenses/by/3.0/de": "cc-by-de/3.0",
    "cc-by-sa": "cc-by-sa",
    "cc-by-sa-3.0": "cc-by-sa",
    "cc-by-sa-4.0": "cc-by-sa/4.0",
    "creativecommons.org/licenses/by-sa/4.0": "cc-by-sa/4.0",
    "cc-by-nc": "cc-by-nc",
    "cc-nc": "cc-by-nc",
    "cc-by-nc-4.0": "cc-by-nc/4.0",
    "creativecommons.org/licenses/by-nc/4.0": "cc-by-nc/4.0",
    "cc-by-nd-4.0": "cc-by-nd/4.0",
    "creativecommons.org/licenses/by-nd/4.0": "cc-by-nd/4.0",
    "cc-zero": "cc-zero",
    "cc0": "cc-zero",
    "cc0-1.0": "cc-zero",
    "cc-zero-1.0": "cc-zero",
    "creativecommons.org/publicdomain/zero/1.0": "cc-zero",
    "odc-odbl": "odbl",
    "odbl": "odbl",
    "odbl-1.0": "odbl",
    "odc-odbl-1.0": "odbl",
    "opendatacommons.org/licenses/odbl": "odbl",
    "opendatacommons.org/licenses/odbl/1.0": "odbl",
    "odc-by": "odby",
    "odc-by-1.0": "odby",
    "opendatacommons.org/licenses/by": "odby",
    "opendatacommons.org/licenses/by/1.0": "odby",
    "odc-pddl": "odcpddl",
    "pddl": "odcpddl",
    "pddl-1.0": "odcpddl",
    "odc-pddl-1.0": "odcpddl",
    "opendatacommons.org/licenses/pddl": "odcpddl",
    "opendatacommons.org/licenses/pddl/1.0": "odcpddl",
    "dl-de-by-2.0": "dl-by-de/2.0",
    "dl-by-de-2.0": "dl-by-de/2.0",
    "govdata.de/dl-de/by-2-0": "dl-by-de/2.0",
    "dl-de-zero-2.0": "dl-zero-de/2.0",
    "dl-zero-de-2.0": "dl-zero-de/2.0",
    "govdata.de/dl-de/zero-2-0": "dl-zero-de/2.0",
    "official-work": "officialWork",
    "officialwork": "officialWork",
    "other-open": "other-open",
    "other-at": "other-open",
    "other-pd": "other-open",
    "other-closed": "other-closed",
    "other-nc": "other-closed",
    "notspecified": "other-closed",
    # The EU licence authority list (publications.europa.eu/resource/authority/licence)
    "cc_by_4_0": "cc-by/4.0",
    "cc_bysa_4_0": "cc-by-sa/4.0",
    "cc_bync_4_0": "cc-by-nc/4.0",
    "cc_bynd_4_0": "cc-by-nd/4.0",
    "odc_bl": "odbl",
    "odc_by": "odby",
    "odc_pddl": "odcpddl",
    "dl_by_de_2_0": "dl-by-de/2.0",
    "dl_zero_de_2_0": "dl-zero-de/2.0",
}
_EU_LICENCE_BASE = "publications.europa.eu/resource/authority/licence/"


@dataclass(frozen=True)
class ExternalLicence:
    """The catalog's licence for a value from another catalog.

    ``recognised`` is false when the value was unknown (or empty) and
    :data:`LICENCE_FALLBACK` stands in for it; the harvester reports that.
    """

    uri: str
    recognised: bool


def _licence_key(value: str) -> str:
    key = value.strip().lower()
    for prefix in ("https://", "http://"):
        key = key.removeprefix(prefix)
    key = key.removeprefix("www.").rstrip("/")
    key = key.removesuffix("/legalcode").removesuffix("/deed.de")
    return key.removeprefix(_EU_LICENCE_BASE)


_LICENCE_CODES = {term.code.lower(): term.uri for term in LICENCES}


def licence_from_external(value: str | None) -> ExternalLicence:
    """Map a licence as another catalog names it onto the catalog's licences.

    Accepts DCAT-AP.de URIs and codes (``http://dcat-ap.de/def/licenses/cc-by/4.0``,
    ``cc-by/4.0``), CKAN and opendefinition.org ids (``cc-by``, ``CC-BY-4.0``,
    ``odc-odbl``, ``dl-de-by-2.0``, ``other-open``), SPDX ids (``CC0-1.0``),
    the licensors' addresses (creativecommons.org, opendatacommons.org,
    govdata.de) and the EU licence authority list. Anything else maps to
    :data:`LICENCE_FALLBACK` with ``recognised=False``.
    """
    if not value or not value.strip():
        return ExternalLicence(LICENCE_FALLBACK, recognised=False)
    key = _licence_key(value)
    code = key.removeprefix(_licence_key(LICENCE_BASE) + "/")
    if code in _LICENCE_CODES:
        return ExternalLicence(_LICENCE_CODES[code], recognised=True)
    alias = _LICENCE_ALIASES.get(key) or _LICENCE_ALIASES.get(key.replace("_", "-"))
    if alias is not None:
        return ExternalLicence(LICENCE_BASE + alias, recognised=True)
    return ExternalLicence(LICENCE_FALLBACK, recognised=False)


def term(uri: str) -> Term | None:
    return _BY_URI.get(uri)


def uri_of(terms: tuple[Term, ...], value: str) -> str | None:
    """The URI of a theme or frequency given by its URI or its code (in any
    case, also as the last part of another address), or ``None``."""
    text = value.strip()
    code = text.rstrip("/").rsplit("/", 1)[-1].upper()
    for candidate in terms:
        if candidate.uri == text or candidate.code == code:
            return candidate.uri
    return None


def label(uri: str) -> str:
    """The label of a vocabulary URI in the active language (the URI if unknown)."""
    found = _BY_URI.get(uri)
    return found.label if found is not None else uri


def choices(terms: tuple[Term, ...]) -> list[tuple[str, str]]:
    """Form and model choices; the labels follow the language of each request."""
    return [(t.uri, t.label) for t in terms]


def licence_choices() -> list[tuple[str, str]]:
    return choices(LICENCES)


def theme_choices() -> list[tuple[str, str]]:
    return choices(THEMES)


def frequency_choices() -> list[tuple[str, str]]:
    return choices(FREQUENCIES)
