"""The runners view (`5`): every runner on the database, and what it runs.

The upper table lists the runners (this console's own says `here`); the
lower one the imports that the highlighted runner runs. Enter on a runner
goes down to its imports; Enter on an import opens it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import DataTable

from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.runners import RunnerRow
from gemma_tui.text import one_line
from gemma_tui.ui import cells
from gemma_tui.ui.banner import Board
from gemma_tui.ui.panes import ImportsTable, KeyedTable
from gemma_tui.ui.views import ViewScreen


class RunnerList(KeyedTable):
    TITLE = "Runners"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "app.focus_next", "Its imports", id="runners.imports"),
    ]
    # What matters most first: at 80 columns the start time is cut.
    COLUMNS = (
        ("runner", "No.", 4),
        ("host", "Host", 16),
        ("state", "State", 5),
        ("jobs", "Jobs", 4),
        ("up", "Up for", 8),
        ("seen", "Last seen", 9),
        ("pid", "PID", 7),
        ("since", "Since", 11),
    )

    def show(
        self,
        runners: Iterable[RunnerRow],
        now: datetime,
        here: int | None,
        zone: tzinfo | None,
    ) -> None:
        rows = [
            (str(row.id), cells.runner_full(row, now, row.id == here, zone))
            for row in sorted(runners, key=lambda row: row.id)
        ]
        self.apply(rows)


class RunnerImports(ImportsTable):
    """The imports one runner runs, oldest first."""

    TITLE = "Imports"
    STATES = ("running",)
    COLUMNS = (
        ("id", "Import", 7),
        ("kind", "Kind", 6),
        ("for", "Running", 8),
        ("user", "User", 14),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._runner: RunnerRow | None = None

    def show_of(
        self,
        runner: RunnerRow | None,
        imports: Mapping[int, ImportRow],
        now: datetime,
    ) -> None:
        numbers = () if runner is None else runner.imports
        rows = [
            (str(number), cells.run_by(number, imports.get(number), now))
            for number in numbers
        ]
        self._runner = runner
        self.apply(rows)

    @property
    def heading(self) -> str:
        runner = self._runner
        if runner is None:
            return "Imports"
        return f"Imports of runner {runner.id} · {one_line(runner.host, 24)}"


class RunnersScreen(ViewScreen):
    """The runners view: the runners above, the chosen one's imports below."""

    # Stacked below 120 cells, side by side from there on (the CSS).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012

    def __init__(self, filter_text: str, board: Board) -> None:
        super().__init__(filter_text, board)
        self.runners = RunnerList(id="runner-list")
        self.imports = RunnerImports(id="runner-imports")
        self._rows: dict[int, RunnerRow] = {}
        self._known: Mapping[int, ImportRow] = {}
        self._now: datetime | None = None

    def panes(self) -> Iterable[Widget]:
        yield Container(self.runners, self.imports, id="runner-panes")

    def show(
        self,
        runners: Iterable[RunnerRow],
        imports: Mapping[int, ImportRow],
        now: datetime,
        here: int | None,
    ) -> None:
        """Shows the runners, and the imports of the highlighted one."""
        self._rows = {row.id: row for row in runners}
        self._known, self._now = imports, now
        self.runners.show(self._rows.values(), now, here, now.tzinfo)
        self._show_chosen()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.runners:
            self._show_chosen()

    def _show_chosen(self) -> None:
        if self._now is None:
            return
        key = self.runners.highlighted_key
        chosen = self._rows.get(int(key)) if key is not None else None
        self.imports.show_of(chosen, self._known, self._now)

    def unreadable(self, reason: str) -> None:
        self._rows = {}
        self.runners.apply([], note=f"unreadable: {one_line(reason, 60)}")
        self._show_chosen()
