from __future__ import annotations

import pytest

from allmende.catalog.vocabularies import (
    FREQUENCIES,
    FREQUENCY_BASE,
    LICENCE_BASE,
    LICENCE_FALLBACK,
    LICENCES,
    THEME_BASE,
    THEMES,
    licence_from_external,
    uri_of,
)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        # CKAN and opendefinition.org ids
        ("cc-by", "cc-by"),
        ("cc-by-4.0", "cc-by/4.0"),
        ("CC-BY-4.0", "cc-by/4.0"),
        ("cc-by-sa", "cc-by-sa"),
        ("cc-by-sa-4.0", "cc-by-sa/4.0"),
        ("cc-nc", "cc-by-nc"),
        ("cc-zero", "cc-zero"),
        ("CC0-1.0", "cc-zero"),
        ("odc-odbl", "odbl"),
        ("odc-by", "odby"),
        ("odc-pddl", "odcpddl"),
        ("dl-de-by-2.0", "dl-by-de/2.0"),
        ("dl-de-zero-2.0", "dl-zero-de/2.0"),
        ("other-open", "other-open"),
        ("other-pd", "other-open"),
        ("other-closed", "other-closed"),
        ("notspecified", "other-closed"),
        # DCAT-AP.de URIs and codes
        ("http://dcat-ap.de/def/licenses/dl-by-de/2.0", "dl-by-de/2.0"),
        ("https://dcat-ap.de/def/licenses/cc-by/4.0/", "cc-by/4.0"),
        ("cc-by/4.0", "cc-by/4.0"),
        ("officialWork", "officialWork"),
        # the licensors' addresses and the EU authority list
        ("https://creativecommons.org/licenses/by/4.0/", "cc-by/4.0"),
        ("https://creativecommons.org/licenses/by/4.0/legalcode", "cc-by/4.0"),
        ("http://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"),
        ("https://opendatacommons.org/licenses/odbl/1.0/", "odbl"),
        ("https://www.govdata.de/dl-de/by-2-0", "dl-by-de/2.0"),
        (
            "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
            "cc-by/4.0",
        ),
    ],
)
def test_licences_of_other_catalogs_are_recognised(value: str, code: str) -> None:
    found = licence_from_external(value)
    assert found.recognised
    assert found.uri == LICENCE_BASE + code
    assert found.uri in {term.uri for term in LICENCES}


@pytest.mark.parametrize("value", ["", "   ", None, "my-own-licence", "cc-by-9.0"])
def test_unknown_licence_maps_to_the_fallback_and_says_so(value: str | None) -> None:
    found = licence_from_external(value)
    assert not found.recognised
    assert found.uri == LICENCE_FALLBACK == LICENCE_BASE + "other-closed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (THEME_BASE + "SOCI", THEME_BASE + "SOCI"),
        ("soci", THEME_BASE + "SOCI"),
        (" EDUC ", THEME_BASE + "EDUC"),
        ("http://example.org/themes/TRAN/", THEME_BASE + "TRAN"),
        ("kochen", None),
        ("", None),
    ],
)
def test_theme_by_uri_or_code(value: str, expected: str | None) -> None:
    assert uri_of(THEMES, value) == expected


def test_frequency_by_code() -> None:
    assert uri_of(FREQUENCIES, "annual") == FREQUENCY_BASE + "ANNUAL"
    assert uri_of(FREQUENCIES, "yearly") is None
