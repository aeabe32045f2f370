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


def term(uri: str) -> Term | None:
    return _BY_URI.get(uri)


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
