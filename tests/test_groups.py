"""Groups: the bundled variants, dated membership, user groups files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecli.errors import BadInput, UnknownGroup
from tradecli.groups import load_bundled, load_file
from tradecli.periods import Period

REQUIRED = ("cis", "cis-stat", "central-asia", "eaeu", "ots", "speca", "eu27", "world")


def test_every_required_variant_is_bundled_with_a_note() -> None:
    groups = load_bundled()
    for name in REQUIRED:
        group = groups.get(name)
        assert group.members, name
        assert all(m.note for m in group.members), name


def test_cis_variants_differ_as_the_sources_do() -> None:
    groups = load_bundled()
    during = Period.parse("2024-01/2024-04")
    charter = set(groups.get("cis").members_during(during))
    customs = set(groups.get("cis-stat").members_during(during))
    assert "UKR" in customs and "UKR" not in charter
    assert "TKM" in customs and "TKM" in charter
    assert "KGZ" in charter and "KGZ" in customs
    assert "GEO" not in charter


def test_membership_has_dates() -> None:
    groups = load_bundled()
    cis = groups.get("cis")
    assert "GEO" in cis.members_during(Period.parse("2005"))
    assert "GEO" not in cis.members_during(Period.parse("2010"))
    eaeu = groups.get("eaeu")
    assert "KGZ" not in eaeu.members_during(Period.parse("2015-01/2015-07"))
    assert "KGZ" in eaeu.members_during(Period.parse("2016"))
    assert len(groups.get("eu27").members_during(Period.parse("2023"))) == 27


def test_groups_are_found_by_name_or_code() -> None:
    groups = load_bundled()
    assert groups.get("CIS-STAT").name == "cis-stat"
    assert groups.get("EAEU").name == "eaeu"
    with pytest.raises(UnknownGroup) as info:
        groups.get("cis-stats")
    assert "cis-stat" in str(info.value)


def test_user_groups_file_adds_groups(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text(
        "group,member,valid_from,valid_to,note\n"
        "caspian,Azerbaijan,,,littoral states\n"
        "caspian,KAZ,,,littoral states\n"
        "caspian,Turkmenistan,,,littoral states\n",
        encoding="utf-8",
    )
    groups = load_bundled().merged(load_file(path))
    assert groups.get("caspian").members_during(Period.parse("2023")) == ["AZE", "KAZ", "TKM"]
    assert groups.get("cis").members


def test_bad_groups_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text(
        "group,member,valid_from,valid_to,note\nx,Narnia,,,\nx,KAZ,2023-13,,\n", encoding="utf-8"
    )
    with pytest.raises(BadInput) as info:
        load_file(path)
    text = str(info.value)
    assert f"{path}:2: member: 'Narnia'" in text
    assert f"{path}:3: valid_from: '2023-13'" in text
