"""``Engine.tables``: every key's reconciled table with the frame's rows read a batch of
keys at a time, the same as ``table`` key by key."""

from __future__ import annotations

import pytest

from tests.frames import frame, obs
from tradecli.engine import reference
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.periods import Period

TJK = SeriesKey("AZE", "TJK", "export")
KAZ = SeriesKey("AZE", "KAZ", "export")
NONE = SeriesKey("AZE", "UZB", "export")  # no rows


def _engine() -> Engine:
    """TJK: January 10 and a revision of it, 12 (published later), February 20 flagged
    suspect-unit; KAZ: January 5. Rows interleaved, so a series' rows are not together."""
    return Engine(
        frame(
            obs("2023-01", 10.0, flow="export", published="2023-02-01"),
            obs("2023-01", 5.0, flow="export", partner="KAZ"),
            obs("2023-01", 12.0, flow="export", published="2023-03-01"),
            obs("2023-02", 20.0, flow="export", flags="suspect-unit"),
        )
    )


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_tables_by_hand(monkeypatch: pytest.MonkeyPatch, batch_rows: int) -> None:
    """The latest publication wins January (12; 10 superseded), February is excluded; a key
    without rows has an empty table. Batches of one row, two rows and all rows alike."""
    monkeypatch.setattr(reference, "BATCH_ROWS", batch_rows)
    engine = _engine()
    found = dict(engine.tables([TJK, NONE, KAZ]))
    assert list(found) == [TJK, NONE, KAZ]
    january = Period.month(2023 * 12)
    tjk = found[TJK]
    assert list(tjk.spans) == [january]
    assert tjk.spans[january].value == 12.0
    assert [o.value for o in tjk.spans[january].superseded] == [10.0]
    assert [o.value for o in tjk.excluded] == [20.0]
    assert [o.line for o in tjk.excluded] == [5]  # the file's line: header, then rows 1..4
    assert found[KAZ].spans[january].value == 5.0
    assert not found[NONE].spans and not found[NONE].excluded


def test_tables_equal_table_key_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against ``table`` (one pandas gather per key), on the same engine and on a fresh one
    (``tables`` also takes a table ``table`` already made)."""
    monkeypatch.setattr(reference, "BATCH_ROWS", 2)
    one_by_one = _engine()
    expected = {k: one_by_one.table(k) for k in (TJK, KAZ, NONE)}
    assert dict(_engine().tables([TJK, KAZ, NONE])) == expected
    again = dict(one_by_one.tables([KAZ, TJK]))
    assert again[KAZ] is expected[KAZ] and again[TJK] is expected[TJK]


def test_a_table_asked_between_two_keys_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that asks ``table`` of a later key of the same batch while ``tables`` is
    giving out the earlier ones still gets every key's own observations (KGZ's after
    KAZ's, whose table was made in between)."""
    monkeypatch.setattr(reference, "BATCH_ROWS", 100)
    kgz = KAZ.with_partner("KGZ")

    def engine() -> Engine:
        return Engine(
            frame(
                obs("2023-01", 1.0, flow="export"),
                obs("2023-01", 2.0, flow="export", partner="KAZ"),
                obs("2023-01", 3.0, flow="export", partner="KGZ"),
            )
        )

    expected = {k: engine().table(k) for k in (TJK, KAZ, kgz)}
    asked = engine()
    found = {}
    for key, table in asked.tables([TJK, KAZ, kgz]):
        found[key] = table
        if key == TJK:
            asked.table(KAZ)
    assert found == expected
    assert found[kgz].spans[Period.month(2023 * 12)].value == 3.0
