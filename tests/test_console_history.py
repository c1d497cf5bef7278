"""The history view driven by the pilot: paging by id through many imports."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.pilot import Pilot

from gemma_tui.db import Connection
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.history import HistoryScreen
from gemma_tui.ui.historytable import HistoryTable
from gemma_tui.ui.screen import ConsoleScreen
from gemma_tui.ui.window import PAGE, WINDOW
from tests.consoles import add_import, console, until
from tests.test_history import add_many

MANY = WINDOW + 3 * PAGE  # enough to need pages read and pages dropped


async def open_history(pilot: Pilot[Any], app: ConsoleApp) -> HistoryTable:
    await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
    table = app.screen.query_one(HistoryTable)
    await until(pilot, lambda: table.rows and not table.busy)
    return table


def highlighted(table: HistoryTable) -> int:
    row = table.highlighted
    assert row is not None
    return row.id


async def test_paging_down_visits_every_import_once(dsn: str, conn: Connection) -> None:
    add_many(conn, MANY)
    app = console(dsn)
    async with app.run_test(size=(80, 50)) as pilot:
        table = await open_history(pilot, app)
        assert highlighted(table) == MANY
        assert table.at_newest and len(table.rows) == PAGE

        step = table.page_rows
        expected = MANY
        while expected - step >= 1:
            await pilot.press("pagedown")
            expected -= step
            await until(
                pilot, partial(lambda want: highlighted(table) == want, expected)
            )
            assert len(table.rows) <= WINDOW
            ids = [row.id for row in table.rows]
            assert ids == list(range(ids[0], ids[0] - len(ids), -1))
        assert not table.at_newest

        await pilot.press("pagedown", "down")
        await until(pilot, lambda: highlighted(table) == 1)
        assert table.at_oldest


async def test_moving_past_the_rows_read_waits_for_the_next_page(
    dsn: str, conn: Connection
) -> None:
    add_many(conn, MANY)
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_history(pilot, app)
        # Far beyond the first page: the moves owed are made as pages come.
        table.action_move(PAGE + 5)
        await until(pilot, lambda: highlighted(table) == MANY - PAGE - 5)
        table.action_move(-(PAGE + 10))
        await until(pilot, lambda: highlighted(table) == MANY)


async def test_oldest_and_newest_jump_and_the_cursor_lands(
    dsn: str, conn: Connection
) -> None:
    add_many(conn, MANY)
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_history(pilot, app)
        await pilot.press("G")
        await until(pilot, lambda: table.rows and highlighted(table) == 1)
        assert table.at_oldest and not table.at_newest
        await pilot.press("k")
        assert highlighted(table) == 2

        await pilot.press("g")
        await until(pilot, lambda: table.rows and highlighted(table) == MANY)
        await pilot.press("j", "j")
        assert highlighted(table) == MANY - 2
        await pilot.press("home")
        assert highlighted(table) == MANY


async def test_new_imports_appear_and_the_cursor_keeps_its_import(
    dsn: str, conn: Connection
) -> None:
    add_many(conn, 30)
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_history(pilot, app)
        await pilot.press("j")
        assert highlighted(table) == 29

        newest = add_import(conn, "queued")
        await until(pilot, lambda: table.rows[0].id == newest)
        assert highlighted(table) == 29
        conn.execute("UPDATE import.imports SET state = 'failed' WHERE id = 29")
        await until(
            pilot, lambda: table.highlighted and table.highlighted.state == "failed"
        )


async def test_enter_opens_the_detail_and_escape_walks_back(
    dsn: str, conn: Connection
) -> None:
    add_many(conn, 30)
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_history(pilot, app)
        await pilot.press("j", "j", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.import_id == 28

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert highlighted(table) == 28
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert highlighted(table) == 28
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))


async def test_an_empty_history_says_so(dsn: str) -> None:
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one(HistoryTable)
        await until(pilot, lambda: not table.busy)
        assert table.rows == [] and table.at_oldest
        await pilot.press("j", "G", "enter")
        assert isinstance(app.screen, HistoryScreen)
