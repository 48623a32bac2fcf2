"""Names and codes → ISO alpha-3, with trade spellings and suggestions."""

from __future__ import annotations

import pytest

from tradecli.countries import country_name, resolve_country
from tradecli.errors import UnknownCountry


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AZE", "AZE"),
        ("az", "AZE"),
        ("031", "AZE"),
        ("31", "AZE"),
        ("Azerbaijan", "AZE"),
        ("Azerbaijan, Rep. of", "AZE"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Kyrgyz Republic", "KGZ"),
        ("Kyrgyzstan", "KGZ"),
        ("Russian Federation", "RUS"),
        ("Russia", "RUS"),
        ("tajikistan", "TJK"),
        ("China, P.R.: Hong Kong", "HKG"),
        ("USA", "USA"),
        ("Moldova, Rep. of", "MDA"),
    ],
)
def test_names_and_codes_resolve(text: str, code: str) -> None:
    assert resolve_country(text) == code


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownCountry) as info:
        resolve_country("Tajikstan")
    assert "Tajikistan" in str(info.value)
    assert "'Tajikstan'" in str(info.value)


def test_readable_names() -> None:
    assert country_name("TJK") == "Tajikistan"
    assert country_name("XXX") == "XXX"
