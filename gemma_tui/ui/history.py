"""The history view: every import ever, newest first (`2` or `h`).

The screen holds the table (see `historytable`), the filter bar and the
way back; its reader's connection closes with it.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header

from gemma_tui.queue.filters import ImportFilter
from gemma_tui.ui.banner import Banner, Board
from gemma_tui.ui.filterbar import FilterBar
from gemma_tui.ui.historytable import HistoryTable
from gemma_tui.ui.paging import PageReader


class HistoryScreen(Screen[None]):
    """The history view: its table, and the way back to the overview."""

    # Escape clears a filter first; without one it goes back.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.clear_filter", "Clear", id="history.clear"),
        Binding("escape", "app.show_overview", "Overview", id="history.back"),
    ]

    def __init__(
        self,
        dsn: str,
        zone: tzinfo | None,
        where: ImportFilter,
        text: str,
        board: Board,
    ) -> None:
        super().__init__()
        self._board = board
        self._reader = PageReader(dsn)
        self._zone = zone
        self._where, self._text = where, text
        self._shown_before = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Banner(self._board)
        yield HistoryTable(self._reader, self._zone, self._where, id="history")
        yield FilterBar(id="filter-bar")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FilterBar).show(self._text)

    @property
    def table(self) -> HistoryTable:
        return self.query_one("#history", HistoryTable)

    def on_screen_resume(self) -> None:
        # Coming back (from the overview, from a detail): states may have
        # changed meanwhile.
        if self._shown_before:
            self.table.reread()
        self._shown_before = True

    def on_unmount(self) -> None:
        self._reader.close()
