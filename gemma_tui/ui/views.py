"""What the full-screen views share, and the log view (`3`).

A view is a screen of its own mode: a title bar, its panes, the filter
bar and the footer. Escape clears the filter first; without one it goes
back to the overview. The App feeds every view from the messages it
already receives; a view reads nothing itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header

from gemma_tui.ui.banner import Banner, Board
from gemma_tui.ui.filterbar import FilterBar
from gemma_tui.ui.logpane import Line, LogPane, Wanted


class ViewScreen(Screen[None]):
    """A full-screen view: `panes()` between the title and the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.clear_filter", "Clear", id="view.clear"),
        Binding("escape", "app.show_overview", "Overview", id="view.back"),
    ]

    def __init__(self, filter_text: str, board: Board) -> None:
        super().__init__()
        self._filter_text = filter_text
        self._board = board

    def compose(self) -> ComposeResult:
        yield Header()
        yield Banner(self._board)
        yield from self.panes()
        yield FilterBar(id="filter-bar")
        yield Footer(compact=True, show_command_palette=False)

    def panes(self) -> Iterable[Widget]:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one(FilterBar).show(self._filter_text)


class LogScreen(ViewScreen):
    """The log stream, full screen: the same lines as the overview's pane.

    Its pane starts with the lines the overview's holds, so nothing
    received before the view was first shown is missing.
    """

    def __init__(
        self,
        zone: tzinfo | None,
        kept: Iterable[Line],
        wanted: Wanted,
        filter_text: str,
        board: Board,
    ) -> None:
        super().__init__(filter_text, board)
        self.log_pane = LogPane(
            zone, kept=kept, wanted=wanted, wrap=True, id="log-view"
        )

    def panes(self) -> Iterable[Widget]:
        yield self.log_pane
