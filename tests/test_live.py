"""The live imports the console watches: exactly those in LIVE_STATES,
newest first, read through an index of live imports alone."""

from __future__ import annotations

from psycopg import sql

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.queue.imports import LIVE_STATES, STATES, live_imports
from tests.consoles import add_import


def test_the_live_imports_are_those_in_live_states_newest_first(
    conn: Connection,
) -> None:
    ids = {state: add_import(conn, state) for state in STATES}
    rows = live_imports(conn)
    assert [row.id for row in rows] == sorted(
        (ids[state] for state in LIVE_STATES), reverse=True
    )
    assert {row.state for row in rows} == set(LIVE_STATES)
    assert [row.id for row in live_imports(conn, limit=2)] == [row.id for row in rows][
        :2
    ]


def test_reading_them_walks_the_index_of_live_imports_only(conn: Connection) -> None:
    """With a long history, the plan reads the small index of live rows,
    not the history."""
    conn.execute(
        "INSERT INTO import.imports (state, kind, username, data)"
        " SELECT 'accepted', 'toy', 'alice', '{}' FROM generate_series(1, 20000)"
    )
    live = [add_import(conn, state) for state in LIVE_STATES]
    conn.execute("ANALYZE import.imports")
    explain = sql.SQL("EXPLAIN ") + load("queue")["live_imports"]
    plan = "\n".join(str(row[0]) for row in conn.execute(explain, {"limit": 500}))
    assert "imports_live_idx" in plan, plan
    assert [row.id for row in live_imports(conn)] == sorted(live, reverse=True)
