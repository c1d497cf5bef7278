"""The console's one screen: its panes, and the keys that act on them.

The keys are declared here, where they apply (a dialog on top has keys of
its own); what they do is the App's (`app.` actions), since the App owns
the state and the workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer, Header

from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.runners import RunnerRow
from gemma_tui.ui.banner import Banner, Board
from gemma_tui.ui.filterbar import FilterBar
from gemma_tui.ui.logpane import LogPane
from gemma_tui.ui.panes import (
    FailedTable,
    ImportsTable,
    LocksTable,
    QueuedTable,
    ReviewTable,
    RunnersTable,
    RunningTable,
)


class ConsoleScreen(Screen[None]):
    # Two columns of panes below 120 cells, three from there on; below 36
    # lines the locks give way (the CSS). Textual types these as lists, not
    # ClassVars, hence the noqa.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.clear_filter", "Clear", id="clear_filter"),
        Binding("a", "app.accept", "Accept", id="accept"),
        Binding("d", "app.decline", "Decline", id="decline"),
        # Off the footer, which has no room for them at 80 columns; the
        # help and the palette list them.
        Binding(
            "A", "app.accept_matching", "Accept all", show=False, id="accept_matching"
        ),
        Binding(
            "D",
            "app.decline_matching",
            "Decline all",
            show=False,
            id="decline_matching",
        ),
        Binding("n", "app.enqueue", "New import", show=False, id="enqueue"),
        Binding("p", "app.pause_runner", "Pause runner", show=False, id="pause"),
        Binding("p", "app.resume_runner", "Resume runner", id="resume"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="next_pane"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous pane",
            show=False,
            id="previous_pane",
        ),
    ]

    def __init__(self, zone: tzinfo | None, board: Board) -> None:
        super().__init__()
        # Held, not queried: the workers' messages still arrive while the
        # screen is taken down, and must find their panes then too.
        self.banner = Banner(board, id="banner")
        self.review = ReviewTable(id="review")
        self.failed = FailedTable(id="failed")
        self.locks = LocksTable(id="locks")
        self.runners = RunnersTable(id="runners")
        self.running = RunningTable(id="running")
        self.log_pane = LogPane(zone, id="log")
        self._tables: tuple[ImportsTable, ...] = (
            self.review,
            self.running,
            QueuedTable(id="queued"),
            self.failed,
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.banner
        # The review pane comes first: focus starts where decisions are made.
        with Container(id="panes"):
            yield from self._tables
            yield self.locks
            yield self.runners
            yield self.log_pane
        yield FilterBar(id="filter-bar")
        yield Footer(compact=True, show_command_palette=False)

    def count_failures(self, total: int, window: timedelta) -> None:
        self.failed.counted(total, window)

    def show_imports(
        self, imports: Iterable[ImportRow], now: datetime, marked: frozenset[int]
    ) -> None:
        rows = tuple(imports)
        self.review.marked = marked
        for table in self._tables:
            table.show(rows, now)

    def show_runners(
        self, runners: Iterable[RunnerRow], now: datetime, here: int | None
    ) -> None:
        rows = tuple(runners)
        self.runners.show(rows, now, here)
        self.running.count_runners(sum(row.live for row in rows))
