"""Pictures of the detail view (see tests/pictures.py for what is pinned).

Three imports of one chain of retries: #1 failed and was retried as #2,
which failed and was retried as #3, now pending review.
"""

from __future__ import annotations

import json
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from gemma_tui.db import Connection
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.messages import ImportChosen
from tests.pictures import (
    HOSTILE,
    Size,
    Snap,
    ago,
    both_sizes,
    fill,
    picture_console,
    settled,
    showing,
    until,
)

DATA = json.dumps(
    {
        "files": ["export_2024-03.asc", "export_2024-04.asc"],
        "gauges": ["DONAUWOERTH", "KIENSTOCK"],
        "note": "Übernahme " + HOSTILE,
    }
)
SUMMARY = json.dumps({"gauges": 2, "series": 4, "values": 1158})
TRACEBACK = (
    "error in import: connection to the gauge server timed out\n"
    "Traceback (most recent call last):\n"
    '  File "gemma_tui/kinds/gauges.py", line 61, in do\n'
    "    rows = fetch(source)\n"
    "TimeoutError: timed out"
)


def fill_chain(conn: Connection) -> None:
    # (state, enqueued, changed, summary) in minutes before NOW; each
    # retry is enqueued when its predecessor failed.
    for state, enqueued, changed, summary in (
        ("failed", 90, 80, None),
        ("failed", 80, 70, None),
        ("pending", 70, 60, SUMMARY),
    ):
        conn.execute(
            "INSERT INTO import.imports (state, kind, username, enqueued, due,"
            " changed, trys_left, retry_wait, data, summary)"
            " VALUES (%s, 'gm', 'demo_importer', %s, %s, %s, 3, '10 minutes',"
            " %s, %s)",
            (state, ago(enqueued), ago(enqueued), ago(changed), DATA, summary),
        )
    for import_id, level, message, minutes in (
        (2, "info", "Reading export_2024-03.asc.", 79),
        (2, "warn", "export_2024-03.asc, line 9: gap of 6 h.", 78),
        (2, "error", TRACEBACK, 70),
        (2, "info", "failed but will retry", 70),
        (3, "info", "Reading export_2024-03.asc.", 69),
        (3, "warn", "export_2024-03.asc, line 9: gap of 6 h.", 68),
        (3, "info", "Staged 1158 values. " + HOSTILE, 60),
    ):
        conn.execute(
            "INSERT INTO import.import_logs (import_id, kind, msg, time)"
            " VALUES (%s, %s, %s, %s)",
            (import_id, level, message, ago(minutes)),
        )


def opened(import_id: int, *, then: str = "") -> Any:
    """Opens `import_id`'s detail (Enter on the review pane when it is
    highlighted there), waits until it has read the import, presses `then`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(1)(pilot)
        if import_id == 3:
            await pilot.press("enter")
        else:
            pilot.app.post_message(ImportChosen(import_id))
        await until(pilot, showing(pilot, DetailScreen))
        screen = pilot.app.screen
        assert isinstance(screen, DetailScreen)
        await until(pilot, lambda: screen.detail is not None)
        if then:
            await pilot.press(*then.split())
        await pilot.pause()

    return run_before


@both_sizes
def test_detail_of_a_pending_import(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """Enter on #3 in the review pane: "Import #3 · gm · pending" heads the
    focused facts pane, which lists state, kind with its description, user,
    the enqueued, due and ended times with "… ago", "3 left, 10m 00s
    apart", the chain "#1 → #2 → #3 (this one)" and the log counts; the
    log below shows three lines, the warning's level word highlighted and
    the hostile text literal with its escape sequence gone. No errors pane.
    The footer names Panes (tab), Back, Accept and Decline (a, d), which
    act on this import, and, at 80 columns too, Keys and Quit; the log's
    title names its level keys (i w e)."""
    fill_chain(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=opened(3))


@both_sizes
def test_detail_of_a_failed_import(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """The failed #2 at 160x50 in two columns: facts, data as indented JSON
    with its hostile note literal, "Summary" none (it failed) on the left;
    on the right the log (four lines, the error's going on under its message)
    above the errors pane, which shows the error's time and its whole
    traceback. The chain reads "#1 → #2 (this
    one) → #3". At 80x24 the three panes stack, the focused facts pane
    the tallest, the footer offering Retry."""
    fill_chain(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=opened(2))


@both_sizes
def test_detail_log_with_info_hidden(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """#2 after tab (at 80x24 the log pane takes most of the height) and `i`:
    the log's title says "showing warn, error (i w e) · 2 of 4 lines" and
    only the warning and the error (wrapped) are listed."""
    fill_chain(conn)
    app = picture_console(dsn)
    run_before = opened(2, then="tab i")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_detail_of_a_waiting_import(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """The overview's queued #7 (gm, due now) while #6 (gm) runs: below
    the facts, "Why is it waiting?" says it is due now and first in line,
    and that gauge_measurements (exclusive) is held exclusive by #6 since
    09:29:00 (1m 00s), so it waits for it; gauges (shared) is held shared
    by #6, which it may share; each holder on a line of its own, so that
    no "(1m 00s)" is split. The footer offers Cancel import, not Retry."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        pilot.app.post_message(ImportChosen(7))
        await until(pilot, showing(pilot, DetailScreen))
        screen = pilot.app.screen
        waiting = screen.query_one("#waiting", Static)
        await until(pilot, lambda: "gauges" in str(waiting.render()))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
