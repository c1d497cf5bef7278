"""Reading the history by id, a page at a time, on a real database."""

from __future__ import annotations

from gemma_tui.db import Connection
from gemma_tui.queue.filters import ImportFilter
from gemma_tui.queue.history import HistoryRow, newer, older, span

ALL = ImportFilter()


def add_many(
    conn: Connection, count: int, kind: str = "gm", user: str = "alice"
) -> None:
    conn.execute(
        "INSERT INTO import.imports (state, kind, username, data)"
        " SELECT 'accepted', %s, %s, '{\"n\": ' || n || '}'"
        " FROM generate_series(1, %s) AS n",
        (kind, user, count),
    )


def ids(rows: list[HistoryRow]) -> list[int]:
    return [row.id for row in rows]


def test_pages_follow_each_other_without_gaps_or_repeats(conn: Connection) -> None:
    add_many(conn, 25)
    first = older(conn, None, 10, ALL)
    second = older(conn, first[-1].id, 10, ALL)
    third = older(conn, second[-1].id, 10, ALL)
    assert ids(first) == list(range(25, 15, -1))
    assert ids(second) == list(range(15, 5, -1))
    assert ids(third) == list(range(5, 0, -1))


def test_newer_pages_come_newest_first(conn: Connection) -> None:
    add_many(conn, 25)
    assert ids(newer(conn, None, 3, ALL)) == [3, 2, 1]
    assert ids(newer(conn, 20, 10, ALL)) == [25, 24, 23, 22, 21]


def test_the_span_is_the_lowest_and_highest_id(conn: Connection) -> None:
    assert (span(conn).lowest, span(conn).highest) == (None, None)
    add_many(conn, 5)
    conn.execute("DELETE FROM import.imports WHERE id = 1")
    assert (span(conn).lowest, span(conn).highest) == (2, 5)
