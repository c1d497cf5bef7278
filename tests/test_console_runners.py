"""The runners pane and the Running pane's count of runners, by the pilot."""

from __future__ import annotations

import os
import socket

from psycopg.conninfo import make_conninfo

from gemma_tui.db import Connection
from gemma_tui.ui.panes import QueuedTable, RunnersTable, RunningTable
from tests.consoles import add_import, console, leave, until


def cells(table: RunnersTable, key: str) -> list[str]:
    return [cell.plain for cell in table.get_row(key)]


async def test_the_runners_pane_shows_this_console_and_the_others(
    dsn: str, conn: Connection
) -> None:
    """The hosted runner reads as "here" with this process's pid; a runner
    registered elsewhere whose process is gone reads as "gone"; the Running
    pane counts one live runner. At 160 columns, where every column shows."""
    gone = conn.execute(
        "INSERT INTO import.runners (host, pid) VALUES ('elsewhere', 4242) RETURNING id"
    ).fetchone()
    assert gone is not None
    app = console(dsn, runner=True)
    async with app.run_test(size=(160, 50)) as pilot:
        pane = app.query_one("#runners", RunnersTable)
        await until(pilot, lambda: pane.row_count >= 1 and app._runner_id())
        here = str(app._runner_id())
        await until(pilot, lambda: here in pane.row_keys)
        host, jobs, state, _, pid = cells(pane, here)
        assert host == socket.gethostname()[:12] or host.endswith("…")
        assert (jobs, state, pid) == ("0", "here", str(os.getpid()))
        running = app.query_one("#running", RunningTable)
        await until(pilot, lambda: "1 runner live" in str(running.border_title))
        if str(gone[0]) in pane.row_keys:
            # The runner forgets runners that are gone when it starts.
            assert cells(pane, str(gone[0]))[2] == "gone"
        await leave(pilot)


async def test_at_80x24_the_runners_give_way_to_a_count(dsn: str) -> None:
    app = console(dsn, runner=True)
    async with app.run_test(size=(80, 24)) as pilot:
        running = app.query_one("#running", RunningTable)
        await until(pilot, lambda: "1 runner live" in str(running.border_title))
        assert not app.query_one("#runners", RunnersTable).display
        await leave(pilot)


async def test_a_role_that_may_not_read_runners_sees_why(
    dsn: str, conn: Connection
) -> None:
    """Without the right to read the runners table, the pane says so and
    the rest of the console reads on."""
    conn.execute("REVOKE SELECT ON import.runners FROM gemma_importer")
    queued = add_import(conn, "queued")
    app = console(make_conninfo(dsn, options="-c role=alice"))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one("#runners", RunnersTable)
        await until(pilot, lambda: "unreadable" in str(pane.border_title))
        assert "permission denied" in str(pane.border_title)
        queue = app.query_one("#queued", QueuedTable)
        await until(pilot, lambda: queue.row_keys == [str(queued)])
