"""The log, locks and runners views (`3`, `4`, `5`), driven by the pilot.

They run on `fill`'s imports (tests/pictures.py): #6 (gm) runs on runner
1, the console's own; #7 (gm) is queued and due, #8 (st) queued for later.
"""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen

from gemma_tui.db import Connection
from gemma_tui.ui.app import LOCKS, LOG, OVERVIEW, RUNNERS, ConsoleApp
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.keys import HelpScreen
from gemma_tui.ui.locksview import LocksScreen
from gemma_tui.ui.logpane import LogPane
from gemma_tui.ui.runnersview import RunnersScreen
from gemma_tui.ui.screen import ConsoleScreen
from gemma_tui.ui.views import LogScreen
from tests.pictures import fill, picture_console, settled, until
from tests.test_console_palette import offered


async def switch(pilot: Pilot[Any], key: str, screen: type[Screen[Any]]) -> Any:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, screen))
    return pilot.app.screen


async def opened(pilot: Pilot[Any], import_id: int) -> DetailScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen))
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen) and screen.import_id == import_id
    return screen


def log_text(pane: LogPane) -> str:
    return "\n".join(str(line) for line in pane.lines)


def add_line(conn: Connection, import_id: int, level: str, message: str) -> None:
    conn.execute(
        "INSERT INTO import.import_logs (import_id, kind, msg) VALUES (%s, %s, %s)",
        (import_id, level, message),
    )


async def test_the_log_view_shows_what_the_pane_got_and_what_comes(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        view = await switch(pilot, "3", LogScreen)
        assert app.current_mode == LOG
        pane = view.log_pane
        await until(pilot, lambda: pane.line_count == 9)
        assert "Read export_2024-03.asc" in log_text(pane)

        add_line(conn, 6, "warn", "A late line.")
        await until(pilot, lambda: "A late line." in log_text(pane))
        overview = app.query_one("#log", LogPane)
        assert "A late line." in log_text(overview)

        await pilot.press("e")
        assert "error" not in pane.levels
        assert "hiding error" in str(pane.border_title)
        await switch(pilot, "escape", ConsoleScreen)
        assert app.current_mode == OVERVIEW


LONG = (
    "Station 'KIENSTOCK' (Donau km 2015.21): the water level series ends on "
    "2024-04-30 at 23:45, fourteen hours before the others"
)


async def test_the_log_view_wraps_a_long_line_the_overview_keeps_it_one(
    dsn: str, conn: Connection
) -> None:
    """The log view goes on under the message, inside the pane beside its
    scrollbar (the lines are many), tabs as spaces, every word there; the
    overview's pane keeps one line to an entry."""
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        for number in range(30):
            add_line(conn, 6, "info", f"line {number}")
        add_line(conn, 6, "info", "cols:\tKIENSTOCK\t12.3\t2024-03-01\tok\tx\ty\tz")
        add_line(conn, 6, "warn", LONG)
        overview = app.query_one("#log", LogPane)
        await until(pilot, lambda: "KIENSTOCK' (Donau" in log_text(overview))
        assert overview.lines[-1].endswith(LONG)
        view = await switch(pilot, "3", LogScreen)
        pane = view.log_pane
        await until(pilot, lambda: pane.line_count > overview.line_count)
        width = pane.scrollable_content_region.width
        assert width < pane.size.width  # the scrollbar is there
        lines = [str(line) for line in pane.lines]
        assert not any("\t" in line for line in lines)
        start = next(n for n, line in enumerate(lines) if "(Donau km" in line)
        first, *rest = lines[start:]
        indent = first.index("Station")
        assert rest and all(line.startswith(" " * indent) for line in rest)
        assert all(len(line) <= width for line in lines)
        assert " ".join(line.strip() for line in lines[start:]).endswith(LONG)
        assert "new line" not in str(pane.border_title)


async def test_the_filter_narrows_the_log_to_its_imports(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        view = await switch(pilot, "3", LogScreen)
        pane = view.log_pane
        await until(pilot, lambda: pane.line_count == 9)
        await pilot.press("slash", *"id:2", "enter")
        await until(pilot, lambda: pane.line_count == 2)
        assert all(" #2 " in line for line in log_text(pane).splitlines())

        # The overview's pane is narrowed too; Escape clears, then goes back.
        overview = app.query_one("#log", LogPane)
        assert overview.line_count == 2
        await pilot.press("escape")
        await until(pilot, lambda: pane.line_count == 9)
        assert isinstance(app.screen, LogScreen)
        await switch(pilot, "escape", ConsoleScreen)


async def test_the_locks_view_tells_who_holds_and_who_waits(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        view = await switch(pilot, "4", LocksScreen)
        assert app.current_mode == LOCKS
        table = view.table
        await until(pilot, lambda: table.row_count == 2)
        cells = [[cell.plain for cell in table.get_row_at(n)] for n in range(2)]
        # At 80 columns the holder's kind gives way (see test_console_widths).
        assert cells == [
            ["gauge_measurements", "exclusive", "#6", "1m 00s", "#7", "demo_importer"],
            ["gauges", "shared", "#6", "1m 00s", "", "demo_importer"],
        ]

        await pilot.press("enter")
        detail = await opened(pilot, 6)
        await until(pilot, lambda: detail.detail is not None)
        await switch(pilot, "escape", LocksScreen)
        await switch(pilot, "escape", ConsoleScreen)


async def test_the_runners_view_opens_an_import_a_runner_runs(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        view = await switch(pilot, "5", RunnersScreen)
        assert app.current_mode == RUNNERS
        await until(pilot, lambda: view.runners.row_count == 3)
        states = [view.runners.get_row_at(n)[2].plain for n in range(3)]
        assert states == ["here", "gone", "live"]
        await until(pilot, lambda: view.imports.row_keys == ["6"])
        assert "runner 1 · gauge-host" in str(view.imports.border_title)

        # Down to a runner that runs nothing, and back.
        await pilot.press("j")
        await until(pilot, lambda: view.imports.row_keys == [])
        await pilot.press("k", "enter")
        await until(pilot, lambda: view.imports.has_focus)
        await until(pilot, lambda: view.imports.row_keys == ["6"])
        await pilot.press("enter")
        await opened(pilot, 6)


async def test_the_views_are_in_the_palette_and_the_help(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await until(pilot, lambda: len(offered(app)) > 3)
        titles = {hit.split("\n")[0] for hit in offered(app)}
        assert {"Log", "Locks", "Runners"} <= titles
        await pilot.press(*"Locks")
        await until(pilot, lambda: offered(app) and offered(app)[0].startswith("Locks"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LocksScreen))

        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        ids = {row.id for row in app.screen.rows}
        wanted = {"log_view", "locks_view", "runners_view", "view.back"}
        assert wanted | {"view.clear", "locks.open", "runners.imports"} <= ids


async def test_the_view_keys_can_be_remapped(dsn: str, conn: Connection) -> None:
    fill(conn)
    app: ConsoleApp = picture_console(dsn, keymap={"locks_view": "f4"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, ConsoleScreen)
        await switch(pilot, "f4", LocksScreen)
