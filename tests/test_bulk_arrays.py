"""The pieces of the whole-file (bulk) path that build rows from arrays: the lazy
sequences whose items are made only when looked at."""

from __future__ import annotations

from tradecli.analysis.summary_bulk import Lazy


def test_lazy_makes_each_item_once_and_only_when_looked_at() -> None:
    made: list[int] = []

    def make(i: int) -> str:
        made.append(i)
        return f"item {i}"

    items = Lazy(make, 4)
    assert len(items) == 4 and made == []
    assert items[-1] == "item 3" and made == [3]
    assert items[3] == "item 3" and made == [3]  # the same slot as -1: not made again
    assert items[1:3] == ("item 1", "item 2") and made == [3, 1, 2]
    assert list(items) == ["item 0", "item 1", "item 2", "item 3"]
    assert made == [3, 1, 2, 0]


def test_lazy_equals_the_sequence_of_its_items() -> None:
    items = Lazy(lambda i: i * i, 3)
    assert items == (0, 1, 4) and items == [0, 1, 4]
    assert items != (0, 1) and items != (0, 1, 5)
    assert Lazy(lambda i: i, 0) == ()
    assert not Lazy(lambda i: i, 0) and bool(items)
