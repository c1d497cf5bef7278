"""The filter driven by the pilot: write, apply to every list, clear."""

from __future__ import annotations

from gemma_tui.db import Connection
from gemma_tui.ui.filterbar import FilterBar, FilterInput
from gemma_tui.ui.history import HistoryScreen
from gemma_tui.ui.historytable import HistoryTable
from gemma_tui.ui.panes import ReviewTable
from gemma_tui.ui.screen import ConsoleScreen
from tests.consoles import add_import, console, until


async def test_a_filter_narrows_the_overview_and_escape_clears_it(
    dsn: str, conn: Connection
) -> None:
    gm = add_import(conn, "pending", kind="toy")
    other = add_import(conn, "pending", kind="other", user="bob")
    app = console(dsn)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 2)

        await pilot.press("slash")
        bar = app.screen.query_one(FilterBar)
        assert bar.has_class("-shown") and bar.input.has_focus
        await pilot.press(*"kind:other", "enter")
        await until(pilot, lambda: review.row_keys == [str(other)])
        assert bar.has_class("-shown") and not bar.input.has_focus
        assert review.has_focus

        await pilot.press("escape")
        await until(pilot, lambda: review.row_keys == [str(other), str(gm)])
        assert not bar.has_class("-shown")
        assert isinstance(app.screen, ConsoleScreen)


async def test_a_bad_filter_says_why_and_stays_open(dsn: str) -> None:
    app = console(dsn)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"state:done", "enter")
        await until(pilot, lambda: app._notifications)
        [note] = list(app._notifications)
        assert note.message.startswith("state:done is no state")
        assert app.screen.query_one(FilterInput).has_focus


async def test_the_history_follows_the_filter(dsn: str, conn: Connection) -> None:
    for number in range(6):
        add_import(conn, ("accepted", "failed")[number % 2], user="alice")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"state:failed", "enter")
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one(HistoryTable)
        await until(pilot, lambda: [row.id for row in table.rows] == [6, 4, 2])
        assert app.screen.query_one(FilterBar).input.value == "state:failed"

        await pilot.press("slash")
        await pilot.press(*" id:4", "enter")
        await until(pilot, lambda: [row.id for row in table.rows] == [4])

        # Escape clears the filter first, then goes back.
        await pilot.press("escape")
        await until(pilot, lambda: len(table.rows) == 6)
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
