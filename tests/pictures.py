"""What the snapshot tests share: fixed data, a pinned clock, a stand-in runner.

The imports are written with fixed times relative to `NOW`, the clock is
pinned to it, the theme is pinned, and the hosted runner is replaced by one
that only reports a fixed set of locks, so that every picture is the same
on every run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

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
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
Size = tuple[int, int]
# Every picture is taken at both: the smallest terminal the console is
# made for, and a large one.
SIZES: tuple[Size, ...] = ((80, 24), (160, 50))
both_sizes = pytest.mark.parametrize(
    "size", SIZES, ids=[f"{width}x{height}" for width, height in SIZES]
)

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

# (id, host, pid, minutes up, live): runner 1 is the console's own (see
# PictureConsole) and runs #6; runner 3 is live elsewhere, runner 2 gone.
RUNNERS: tuple[tuple[int, str, int, int, bool], ...] = (
    (1, "gauge-host", 4242, 90, True),
    (2, "backup-host", 777, 30, False),
    (3, "axis-host", 3131, 75, True),
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

    def _runner_id(self) -> int | None:
        return 1


def fill(
    conn: Connection, imports: Any = IMPORTS, log: Any = LOG, runners: Any = RUNNERS
) -> None:
    for state, kind, user, enqueued, due, changed in imports:
        conn.execute(
            "INSERT INTO import.imports"
            " (state, kind, username, enqueued, due, changed, data)"
            " VALUES (%s, %s, %s, %s, %s, %s, '{}')",
            (state, kind, user, ago(enqueued), ago(due), ago(changed)),
        )
    for import_id, level, message, minutes in log:
        conn.execute(
            "INSERT INTO import.import_logs (import_id, kind, msg, time)"
            " VALUES (%s, %s, %s, %s)",
            (import_id, level, message, ago(minutes)),
        )
    for number, host, pid, minutes, live in runners:
        conn.execute(
            "INSERT INTO import.runners (id, host, pid, started, heartbeat)"
            " VALUES (%s, %s, %s, %s, %s)",
            (number, host, pid, ago(minutes), NOW),
        )
        if live:
            # Held by the test's connection for as long as the test runs.
            conn.execute("SELECT import.hold_runner_lock(%s)", (number,))
    conn.execute("UPDATE import.imports SET runner = 1 WHERE state = 'running'")


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def picture_console(dsn: str, **options: Any) -> PictureConsole:
    app = PictureConsole(
        dsn,
        load_kinds().registry,
        reviewer="demo_reviewer",
        clock=lambda: NOW,
        **options,
    )
    app.theme = "textual-dark"
    app.animation_level = "none"
    return app


def settled(rows: int, *, then: str = "") -> RunBefore:
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
            await until(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.pause()

    return wait


async def until(
    pilot: Pilot[Any], check: Callable[[], object], tries: int = 200
) -> None:
    """Polls `check` in pauses of 50 ms, up to `tries` times."""
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"gave up waiting for {check}")


def showing(pilot: Pilot[Any], screen: type[Screen[Any]]) -> Callable[[], bool]:
    return lambda: isinstance(pilot.app.screen, screen)


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
            if column.auto_width and column.content_width < widest:
                return False
    return True


def _log_filled(pilot: Pilot[Any]) -> bool:
    found = pilot.app.screen.query("#log").results(LogPane)
    return any(pane.lines and pane.is_vertical_scroll_end for pane in found)
