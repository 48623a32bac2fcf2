"""Names and codes → ISO alpha-3, with trade spellings and suggestions."""

from __future__ import annotations

import pytest

from tradecli.countries import country_name, historic, publisher_aggregate, resolve_country
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


# IMF (DOTS/IFS), Comtrade and WITS spellings, with the code each means (by hand).
PUBLISHER_NAMES = [
    ("Bahrain, Kingdom of", "BHR"),
    ("Syrian Arab Rep.", "SYR"),
    ("Comoros, Union of the", "COM"),
    ("Eritrea, The State of", "ERI"),
    ("St. Lucia", "LCA"),
    ("St. Kitts and Nevis", "KNA"),
    ("St. Vincent and the Grenadines", "VCT"),
    ("Kyrgyz Rep.", "KGZ"),
    ("Bahamas, The", "BHS"),
    ("China, P.R.: Mainland", "CHN"),
    ("China, P.R.: Macao", "MAC"),
    ("Holy See", "VAT"),
    ("Micronesia, Federated States of", "FSM"),
    ("Mozambique, Rep. of", "MOZ"),
    ("Madagascar, Rep. of", "MDG"),
    ("Equatorial Guinea, Rep. of", "GNQ"),
    ("Croatia, Rep. of", "HRV"),
    ("Estonia, Rep. of", "EST"),
    ("Iran, Islamic Rep. of", "IRN"),
    ("Kosovo, Rep. of", "XKX"),
    ("Korea, Rep. of", "KOR"),
    ("Korea, Dem. People's Rep. of", "PRK"),
    ("Congo, Dem. Rep. of the", "COD"),
    ("Congo, Rep. of", "COG"),
    ("Lao People's Dem. Rep.", "LAO"),
    ("Venezuela, Rep. Bolivariana de", "VEN"),
    ("Egypt, Arab Rep. of", "EGY"),
    ("Yemen, Rep. of", "YEM"),
    ("Timor-Leste, Dem. Rep. of", "TLS"),
    ("São Tomé and Príncipe, Dem. Rep. of", "STP"),
    ("Eswatini, Kingdom of", "SWZ"),
    ("Lesotho, Kingdom of", "LSO"),
    ("Marshall Islands, Rep. of the", "MHL"),
    ("Netherlands, The", "NLD"),
    ("North Macedonia, Republic of", "MKD"),
    ("Poland, Rep. of", "POL"),
    ("Serbia, Rep. of", "SRB"),
    ("Slovenia, Rep. of", "SVN"),
    ("Slovak Rep.", "SVK"),
    ("South Sudan, Rep. of", "SSD"),
    ("Tanzania, United Rep. of", "TZA"),
    ("Türkiye, Rep. of", "TUR"),
    ("Taiwan Province of China", "TWN"),
    ("Falkland Islands (Malvinas)", "FLK"),
    ("Sint Maarten, Kingdom of the Netherlands", "SXM"),
    ("Curaçao, Kingdom of the Netherlands", "CUW"),
    ("Aruba, Kingdom of the Netherlands", "ABW"),
    ("West Bank and Gaza", "PSE"),
    ("Brunei Darussalam", "BRN"),
    ("Cabo Verde", "CPV"),
    ("Guinea-Bissau", "GNB"),
    ("Fiji, Rep. of", "FJI"),
    ("Nauru, Rep. of", "NRU"),
    ("Palau, Rep. of", "PLW"),
    ("San Marino, Rep. of", "SMR"),
    ("Afghanistan, Islamic Rep. of", "AFG"),
    ("Mauritania, Islamic Rep. of", "MRT"),
    ("Ethiopia, The Federal Dem. Rep. of", "ETH"),
    ("St. Pierre and Miquelon", "SPM"),
    ("St. Helena", "SHN"),
    # Comtrade
    ("Rep. of Korea", "KOR"),
    ("Dem. People's Rep. of Korea", "PRK"),
    ("China, Hong Kong SAR", "HKG"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("Br. Virgin Isds", "VGB"),
    ("Turks and Caicos Isds", "TCA"),
    ("Viet Nam", "VNM"),
    ("Other Asia, nes", "TWN"),
    # WITS
    ("Korea, Rep.", "KOR"),
    ("Egypt, Arab Rep.", "EGY"),
    ("Venezuela, RB", "VEN"),
    ("Hong Kong, China", "HKG"),
    ("Macao SAR, China", "MAC"),
    ("Lao PDR", "LAO"),
    ("Micronesia, Fed. Sts.", "FSM"),
    ("Congo, Dem. Rep.", "COD"),
    ("Yemen, Rep.", "YEM"),
]


@pytest.mark.parametrize(("text", "code"), PUBLISHER_NAMES)
def test_publisher_spellings(text: str, code: str) -> None:
    assert resolve_country(text) == code


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("Czechoslovakia", "CSK", "Czechoslovakia"),
        ("USSR", "SUN", "USSR"),
        ("Former USSR", "SUN", "USSR"),
        ("Yugoslavia", "YUG", "Yugoslavia"),
        ("Eastern Germany", "DDR", "German Democratic Republic"),
        ("Netherlands Antilles", "ANT", "Netherlands Antilles"),
        ("Yemen, People's Dem. Rep. of", "YMD", "Yemen, People's Dem. Rep."),
        ("Yemen Arab Rep.", "XYE", "Yemen Arab Rep."),
        ("Malaysia, West", "XMW", "Malaysia, West"),
        ("200", "CSK", "Czechoslovakia"),  # Comtrade's numeric code
        ("810", "SUN", "USSR"),
    ],
)
def test_historical_entities_are_partners_in_their_own_right(
    text: str, code: str, name: str
) -> None:
    assert resolve_country(text) == code
    assert country_name(code) == name
    assert historic(code) is not None  # with the date it ceased to exist
    assert code not in {"CZE", "SVK", "RUS", "SRB", "DEU", "YEM", "MYS"}


def test_current_countries_are_not_historical() -> None:
    assert historic("CZE") is None
    assert historic("SUN") == ("USSR", "1992-08-30")


@pytest.mark.parametrize(
    ("name", "namespace", "code"),
    [
        ("Middle East", "IMF", "IMF:MIDDLE-EAST"),
        ("Asia not specified", "IMF", "IMF:ASIA-NOT-SPECIFIED"),
        ("Other Countries not included elsewhere", "IMF", "IMF:OTHER-NIE"),
        ("European Union", "IMF", "IMF:EUROPEAN-UNION"),
        (
            "Emerging Market and Developing Economies by Source of Export Earnings: Fuel",
            "IMF",
            "IMF:EMDE-FUEL",
        ),
        ("Areas, nes", "COMTRADE", "COMTRADE:AREAS-NES"),
        ("EU-28", "COMTRADE", "COMTRADE:EU-28"),
        ("Sub-Saharan Africa", "WITS", "WITS:SUB-SAHARAN-AFRICA"),
        ("Sub-Saharan Africa", "IMF", "IMF:SUB-SAHARAN-AFRICA"),
    ],
)
def test_aggregates_in_the_publishers_namespace(name: str, namespace: str, code: str) -> None:
    assert publisher_aggregate(name, namespace) == code


def test_an_aggregate_is_not_a_country() -> None:
    assert publisher_aggregate("Germany", "IMF") is None
    with pytest.raises(UnknownCountry):
        resolve_country("Middle East")
