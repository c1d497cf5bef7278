"""The Failed pane: recent failures only, live, newest first, and opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gemma_tui.db import Connection
from gemma_tui.queue.history import failed_since
from gemma_tui.queue.imports import enqueue
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.panes import FailedTable
from tests import toy
from tests.consoles import add_import, console, leave, until


def add_failed(conn: Connection, hours_ago: float) -> int:
    import_id = add_import(conn, "failed")
    conn.execute(
        "UPDATE import.imports SET changed = now() - %s WHERE id = %s",
        (timedelta(hours=hours_ago), import_id),
    )
    return import_id


def test_failures_since_a_time_newest_first_with_the_total(conn: Connection) -> None:
    old = add_failed(conn, 30)
    earlier = add_failed(conn, 2)
    later = add_failed(conn, 1)
    add_import(conn, "pending")
    since = datetime.now(UTC) - timedelta(hours=24)

    failures = failed_since(conn, since, limit=5)
    assert [row.id for row in failures.rows] == [later, earlier]
    assert failures.total == 2
    assert old not in [row.id for row in failures.rows]

    newest = failed_since(conn, since, limit=1)
    assert ([row.id for row in newest.rows], newest.total) == ([later], 2)


async def test_a_failing_import_enters_the_pane_and_opens(
    dsn: str, conn: Connection
) -> None:
    add_failed(conn, 30)
    app = console(dsn, runner=True)
    async with app.run_test(size=(120, 40)) as pilot:
        failed = app.query_one("#failed", FailedTable)
        await until(pilot, lambda: "0 in 24 h" in str(failed.border_title))

        data = '{"action": "fail"}'
        import_id = enqueue(conn, toy.registry(), "toy", data, user="alice")
        await until(pilot, lambda: failed.row_keys == [str(import_id)])
        assert "1 in 24 h" in str(failed.border_title)

        failed.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("escape")
        await leave(pilot)


async def test_the_locks_give_way_when_the_terminal_is_short(dsn: str) -> None:
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        locks = app.screen.query_one("#locks")
        assert not locks.display or locks.region.height == 0
        await pilot.resize_terminal(80, 40)
        await until(pilot, lambda: locks.region.height > 3)
        assert locks.region.bottom <= app.screen.query_one("#log").region.y


def test_the_title_counts_what_shows_of_the_failures() -> None:
    """Fewer shown than failed (the pane's limit, or the filter): "1 of 3"."""
    pane = FailedTable()
    pane.counted(3, timedelta(hours=24))
    assert pane.note(1) == "1 of 3 in 24 h"
    assert pane.note(3) == "3 in 24 h"
