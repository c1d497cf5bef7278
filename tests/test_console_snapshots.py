"""Pictures of the console, on fixed data and a pinned clock.

The imports are written with fixed times, the clock is pinned to
`NOW`, the theme is pinned, and the hosted runner is replaced by one that
only reports a fixed set of locks, so that every picture is the same on
every run. `pytest --snapshot-update` accepts new pictures; look at them
before you do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from gemma_tui.db import Connection
from gemma_tui.kinds import load_kinds
from gemma_tui.queue.events import ImportStarted, LocksChanged
from gemma_tui.queue.locks import Holding
from gemma_tui.ui import messages
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.logpane import LogPane
from gemma_tui.ui.panes import KeyedTable, ReviewTable

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
HOSTILE = "[/] [@click=app.quit] \x1b]2;x\x1b\\"

Snap = Callable[..., bool]

# (state, kind, user, enqueued, due, changed) with times as minutes before NOW.
IMPORTS: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("pending", "gm", "demo_importer", 60, 60, 55),
    ("pending", "gm", "demo_importer", 58, 58, 52),
    ("failed", "gm", "demo_importer", 57, 57, 51),
    ("pending", "st", "demo_importer", 50, 50, 41),
    ("pending", "gm", "anna", 30, 30, 12),
    ("running", "gm", "demo_importer", 5, 5, 1),
    ("queued", "gm", "anna", 3, 3, 3),
    ("queued", "st", "demo_importer", 2, -25, 2),
)

# (import, level, message, minutes before NOW)
LOG: tuple[tuple[int, str, str, int], ...] = (
    (1, "info", "Read export_2024-03.asc: 3 gauges, 6 series.", 55),
    (1, "info", "Staged 588 values, 2024-03-01 to 2024-03-31.", 55),
    (2, "warn", "export_2024-04.asc, line 214: gap of 6 h marked RWLuecke.", 52),
    (2, "info", "Staged 570 values, 2024-04-01 to 2024-04-30.", 52),
    (3, "error", "asc_unknown_unit.asc, line 11: unit 'inch' is not known.", 51),
    (4, "warn", "Station 'KIENSTOCK': no water level series; skipped.", 41),
    (4, "info", "Staged 14 stations.", 41),
    (5, "info", "Staged 612 values, 2024-05-01 to 2024-05-31.", 12),
    (6, "info", "Reading export_2024-06.asc.", 1),
)

LOCKS = (
    Holding("gauge_measurements", "exclusive", (6,), NOW - timedelta(minutes=1)),
    Holding("gauges", "shared", (6,), NOW - timedelta(minutes=1)),
)


class PictureConsole(ConsoleApp):
    """The console with a stand-in runner that only reports running #6
    and its `LOCKS`."""

    def _run_hosted_runner(self) -> None:
        started = ImportStarted(6, "gm", "demo_importer")
        self.post_message(messages.ImportStarted(started))
        self.post_message(messages.LocksChanged(LocksChanged(LOCKS)))
        self._stop.wait()
        self._runner_done.set()


def fill(conn: Connection, imports: Any = IMPORTS, log: Any = LOG) -> None:
    for state, kind, user, enqueued, due, changed in imports:
        conn.execute(
            "INSERT INTO import.imports"
            " (state, kind, username, enqueued, due, changed, data)"
            " VALUES (%s, %s, %s, %s, %s, %s, '{}')",
            (state, kind, user, _ago(enqueued), _ago(due), _ago(changed)),
        )
    for import_id, level, message, minutes in log:
        conn.execute(
            "INSERT INTO import.import_logs (import_id, kind, msg, time)"
            " VALUES (%s, %s, %s, %s)",
            (import_id, level, message, _ago(minutes)),
        )


def _ago(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


def picture_console(dsn: str) -> PictureConsole:
    app = PictureConsole(
        dsn, load_kinds().registry, reviewer="demo_reviewer", clock=lambda: NOW
    )
    app.theme = "textual-dark"
    app.animation_level = "none"
    return app


def settled(rows: int, *, then: str = "") -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Waits until the review pane shows `rows` rows, then presses `then`."""

    async def wait(pilot: Pilot[Any]) -> None:
        # The pilot may start before the screen has composed its panes.
        for _ in range(200):
            if _rows(pilot) == rows and _log_filled(pilot) and _measured(pilot):
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError(f"the review pane never showed {rows} rows")
        if then:
            await pilot.press(then)
            for _ in range(100):
                if isinstance(pilot.app.screen, Confirm):
                    break
                await pilot.pause(0.05)
        await pilot.pause()

    return wait


def _rows(pilot: Pilot[Any]) -> int:
    found = pilot.app.screen.query("#review").results(ReviewTable)
    return next((table.row_count for table in found), -1)


def _measured(pilot: Pilot[Any]) -> bool:
    """Whether every table has sized its columns to their cells.

    A DataTable measures new rows when it is next idle; a picture taken
    before that shows columns as wide as their headings.
    """
    for table in pilot.app.screen.query(KeyedTable):
        for column in table.ordered_columns:
            cells = table.get_column(column.key)
            widest = max((cell.cell_len for cell in cells), default=0)
            if column.content_width < widest:
                return False
    return True


def _log_filled(pilot: Pilot[Any]) -> bool:
    found = pilot.app.screen.query("#log").results(LogPane)
    return any(pane.lines and pane.is_vertical_scroll_end for pane in found)


def test_main_screen_at_80x24(snap_compare: Snap, conn: Connection, dsn: str) -> None:
    """The console at 80x24, in two columns: the Review pane on top left,
    focused (▶), with #5, #4, #2, #1 newest first, their warning and error
    counts and "… ago"; Running with #6 (gm, 1m 00s); Queued with #7 "due
    now" above #8 "due in 25m 00s"; Locks with gauge_measurements exclusive
    and gauges shared, both held by #6; the log at the bottom, newest line
    last; the footer names a, d, tab and q. The failed #3 is in no pane."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(4))


def test_main_screen_at_160x50(snap_compare: Snap, conn: Connection, dsn: str) -> None:
    """The console at 160x50, in three columns: Review, Running and Queued
    side by side on top, Locks and the log below; every column heading and
    every log line reads in full, times in UTC."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=(160, 50), run_before=settled(4))


def test_accept_dialog_at_80x24(snap_compare: Snap, conn: Connection, dsn: str) -> None:
    """`a` on the highlighted #5: a dialog with a green edge asks "Accept
    import #5?" and names the kind with its description, the user, the
    log counts and what accepting does; its last line says y / Enter
    accepts and n / Esc cancels."""
    fill(conn)
    app = picture_console(dsn)
    run_before = settled(4, then="a")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_hostile_names_at_80x24(snap_compare: Snap, conn: Connection, dsn: str) -> None:
    """An import whose kind, user and log line are made of markup and an
    escape sequence: the Review row, the log line and the decline dialog
    (red edge) show the brackets literally, with the escape sequence gone;
    nothing is a link and the title is unchanged."""
    fill(
        conn,
        imports=(("pending", HOSTILE, HOSTILE, 9, 9, 8),),
        log=((1, "warn", HOSTILE, 8),),
    )
    app = picture_console(dsn)
    run_before = settled(1, then="d")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_quit_dialog_while_importing(
    snap_compare: Snap, conn: Connection, dsn: str
) -> None:
    """`q` while this console's runner runs #6: a dialog asks "Quit the
    console?", says one import is running, that quitting waits up to 5 s
    for it and that it is queued again if still running then."""
    fill(conn)
    app = picture_console(dsn)
    run_before = settled(4, then="q")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
