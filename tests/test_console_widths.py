"""Every column of a table shows whole, or not at all: the overview's
panes at 80x24, 100x40 and 160x50 (where every column is there), the locks
view at 80x24 and 160x50.

A column counts as whole when its cells end inside the table (its right
padding may be cut), leaving a cell for the vertical scrollbar that a
long list brings.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable

from gemma_tui.db import Connection
from gemma_tui.ui.locksview import LocksScreen
from gemma_tui.ui.panes import KeyedTable
from tests.pictures import fill, picture_console, settled
from tests.test_console_views import switch

OVERVIEW_PANES = ("review", "running", "queued", "failed", "locks", "runners")


def cut_columns(table: DataTable[Any]) -> list[str]:
    """The headings of the columns that end beyond the table's edge."""
    room = table.region.width - 1
    used, cut = 0, []
    for column in table.ordered_columns:
        if used + table.cell_padding + column.width > room:
            cut.append(column.label.plain)
        used += column.get_render_width(table)
    return cut


def headings(table: DataTable[Any]) -> list[str]:
    return [column.label.plain for column in table.ordered_columns]


async def test_at_160x50_every_overview_pane_shows_every_column(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(160, 50)) as pilot:
        await settled(4)(pilot)
        for name in OVERVIEW_PANES:
            table = app.screen.query_one(f"#{name}", KeyedTable)
            assert table.region.width > 0, name
            assert cut_columns(table) == [], name
            assert headings(table) == [heading for _, heading, _ in table.COLUMNS]


@pytest.mark.parametrize("size", [(80, 24), (100, 40)], ids=["80x24", "100x40"])
async def test_narrower_overview_panes_drop_their_last_columns_whole(
    dsn: str, conn: Connection, size: tuple[int, int]
) -> None:
    """No column is cut (at 100x40 the review's time once showed as one
    digit); what shows is the first columns, in their order, and at least
    the import's number."""
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=size) as pilot:
        await settled(4)(pilot)
        dropped = 0
        for name in OVERVIEW_PANES:
            table = app.screen.query_one(f"#{name}", KeyedTable)
            if table.region.width == 0:
                continue
            assert cut_columns(table) == [], name
            every = [heading for _, heading, _ in table.COLUMNS]
            shown = headings(table)
            assert shown == every[: len(shown)], name
            assert shown, name
            dropped += len(every) - len(shown)
        assert dropped > 0  # the sizes are narrow enough to need it


async def test_the_locks_view_shows_every_column_it_has_at_80_and_160(
    dsn: str, conn: Connection
) -> None:
    """At 80 columns the holder's kind gives way and the user shows whole;
    at 160 every column is there."""
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(4)(pilot)
        view = await switch(pilot, "4", LocksScreen)
        table = view.table
        await pilot.pause()
        assert "User" in headings(table) and "Kind" not in headings(table)
        assert cut_columns(table) == []

        await pilot.resize_terminal(160, 50)
        await pilot.pause(0.2)
        assert "Kind" in headings(table)
        assert cut_columns(table) == []
        assert table.row_count == 2
