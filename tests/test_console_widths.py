"""Every column of a table shows whole where the console is made to show
it: the overview's panes at 160x50, the locks view at 80x24 and 160x50.

A column counts as whole when its cells end inside the table (its right
padding may be cut), leaving a cell for the vertical scrollbar that a
long list brings.
"""

from __future__ import annotations

from textual.widgets import DataTable

from gemma_tui.db import Connection
from gemma_tui.ui.locksview import LocksScreen
from tests.pictures import fill, picture_console, settled
from tests.test_console_views import switch

OVERVIEW_PANES = ("review", "running", "queued", "failed", "locks", "runners")


def cut_columns(table: DataTable[object]) -> list[str]:
    """The headings of the columns that end beyond the table's edge."""
    room = table.region.width - 1
    used, cut = 0, []
    for column in table.ordered_columns:
        if used + table.cell_padding + column.width > room:
            cut.append(column.label.plain)
        used += column.get_render_width(table)
    return cut


def headings(table: DataTable[object]) -> list[str]:
    return [column.label.plain for column in table.ordered_columns]


async def test_at_160x50_every_overview_pane_shows_every_column(
    dsn: str, conn: Connection
) -> None:
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=(160, 50)) as pilot:
        await settled(4)(pilot)
        for name in OVERVIEW_PANES:
            table = app.screen.query_one(f"#{name}", DataTable)
            assert table.region.width > 0, name
            assert cut_columns(table) == [], name


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
