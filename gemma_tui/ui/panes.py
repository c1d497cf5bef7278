"""The console's table panes: queued, running, in review, locks, runners.

Every table is keyed (by import id, by resource) and takes a whole new
picture at a time, which it applies as a diff: rows that went are removed,
changed cells updated, new rows added, and the order fixed by a sort. The
cursor stays on the row it was on, by key, since a DataTable's cursor is
positional and would otherwise slide onto another import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.locks import Holding
from gemma_tui.queue.runners import RunnerRow
from gemma_tui.text import one_line
from gemma_tui.ui import cells
from gemma_tui.ui.cells import Cells
from gemma_tui.ui.messages import ImportChosen

Row = tuple[str, Cells]
Columns = tuple[tuple[str, str, int], ...]  # (key, heading, width) each


def _plain(values: Iterable[Text]) -> tuple[str, ...]:
    return tuple(value.plain for value in values)


def _fitting(columns: Columns, width: int, padding: int) -> Columns:
    """The first of `columns` whose cells end within `width` (the last
    one's right padding may be cut); the first column always."""
    used, count = 0, 0
    for _, _, column_width in columns:
        if used + padding + column_width > width:
            break
        used += column_width + 2 * padding
        count += 1
    return columns[: max(count, 1)]


class KeyedTable(DataTable[Text]):
    """A table of keyed rows that keeps its cursor on a key."""

    # The arrows, Page Up/Down, Home and End are the DataTable's own.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="pane.down"),
        Binding("k", "cursor_up", "Up", show=False, id="pane.up"),
        Binding("g", "scroll_top", "First row", show=False, id="pane.first"),
        Binding("G", "scroll_bottom", "Last row", show=False, id="pane.last"),
    ]
    TITLE: ClassVar[str] = ""
    # (key, heading, width): fixed widths, so that columns never jump as
    # rows come and go, and need no measuring (which a DataTable does
    # lazily, drawing headings-wide columns until it has).
    COLUMNS: ClassVar[Columns] = ()
    # What the table shows while it is narrower than NARROW_BELOW cells:
    # some of COLUMNS, perhaps narrower. Of either set, the table shows the
    # first columns that fit whole: a cut column misleads (a time cut to
    # one digit reads as a count), and the detail shows them all.
    NARROW_COLUMNS: ClassVar[Columns] = ()
    NARROW_BELOW: ClassVar[int] = 0

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self._note = "…"  # the count, or why there is none
        self._focused = False
        self._shown = self.COLUMNS
        self._applied: Sequence[Row] = ()  # as applied: a cell for each of COLUMNS

    def on_mount(self) -> None:
        self._add_columns()
        self._retitle()

    def on_resize(self, event: events.Resize) -> None:
        self._refit(event.size)

    def _refit(self, size: Size) -> None:
        """Shows the columns that fit `size`, if they are not those shown."""
        if not size.width:
            return  # not laid out yet
        narrow = self.NARROW_COLUMNS and size.width < self.NARROW_BELOW
        columns = self.NARROW_COLUMNS if narrow else self.COLUMNS
        # A scrollbar takes its room only while the rows overflow.
        overflows = self.row_count + int(self.show_header) > size.height
        scrollbar = self.styles.scrollbar_size_vertical if overflows else 0
        shown = _fitting(columns, size.width - scrollbar, self.cell_padding)
        if shown == self._shown:
            return
        chosen = self.highlighted_key
        self._shown = shown
        self.clear(columns=True)
        self._add_columns()
        self.apply(self._applied, self._note)
        self._restore(chosen)

    def _add_columns(self) -> None:
        for key, heading, width in self._shown:
            self.add_column(Text(heading), key=key, width=width)

    def _visible(self, values: Cells) -> Cells:
        """The cells of the columns shown, of a row's cells for COLUMNS."""
        if self._shown == self.COLUMNS:
            return values
        shown = {key for key, _, _ in self._shown}
        pairs = zip(self.COLUMNS, values, strict=True)
        return tuple(value for (key, _, _), value in pairs if key in shown)

    # The events say which way focus went; `has_focus` may not have caught
    # up yet when they arrive, which left stale markers on other panes.
    def on_focus(self) -> None:
        self._focused = True
        self._retitle()

    def on_blur(self) -> None:
        self._focused = False
        self._retitle()

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor, if there is one."""
        if not self.row_count:
            return None
        try:
            cell = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0))
        except CellDoesNotExist:
            return None
        return cell.row_key.value

    @property
    def row_keys(self) -> list[str]:
        """The row keys, top to bottom."""
        return [str(row.key.value) for row in self.ordered_rows]

    def apply(self, rows: Sequence[Row], note: str | None = None) -> None:
        """Shows exactly `rows`, in their order; `note` replaces the count."""
        chosen = self.highlighted_key
        self._applied = rows
        shown = [(key, self._visible(values)) for key, values in rows]
        wanted = dict(shown)
        for key in [key for key in self.row_keys if key not in wanted]:
            self.remove_row(key)
        for key, values in shown:
            if RowKey(key) in self.rows:
                self._update_row(key, values)
            else:
                self.add_row(*values, key=key)
        self._reorder(shown)
        self._restore(chosen)
        self._note = str(len(rows)) if note is None else note
        self._retitle()
        self._refit(self.size)

    def _update_row(self, key: str, values: Cells) -> None:
        for (column, _, _), value in zip(self._shown, values, strict=True):
            if self.get_cell(key, column) != value:
                self.update_cell(key, column, value)

    def _reorder(self, rows: Sequence[Row]) -> None:
        if self.row_keys == [key for key, _ in rows]:
            return
        # A sort's key function sees only cells, not keys: rank by the
        # whole row's text, which differs between any two rows.
        rank = {_plain(values): place for place, (_, values) in enumerate(rows)}
        self.sort(key=lambda values: rank.get(_plain(values), 0))

    def _restore(self, chosen: str | None) -> None:
        if chosen is None or RowKey(chosen) not in self.rows:
            return
        place = self.get_row_index(chosen)
        if place != self.cursor_row:
            self.move_cursor(row=place, animate=False)

    @property
    def heading(self) -> str:
        """What the title names, before the count."""
        return self.TITLE

    def _retitle(self) -> None:
        marker = "▶ " if self._focused else ""
        self.border_title = Content(f"{marker}{self.heading} ({self._note})")


class ImportsTable(KeyedTable):
    """Imports of some states, drawn by one of the `cells` functions."""

    STATES: ClassVar[tuple[str, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_import", "Open", id="open"),
    ]

    def action_open_import(self) -> None:
        key = self.highlighted_key
        if key is not None:
            self.post_message(ImportChosen(int(key)))

    def show(self, imports: Iterable[ImportRow], now: datetime) -> None:
        mine = [row for row in imports if row.state in self.STATES]
        rows = [(str(row.id), self.cells(row, now)) for row in self.order(mine)]
        self.apply(rows, self.note(len(rows)))

    def note(self, shown: int) -> str | None:
        """What the title says instead of the count; None: the count."""
        return None

    def order(self, rows: list[ImportRow]) -> list[ImportRow]:
        return sorted(rows, key=lambda row: row.id)

    def cells(self, row: ImportRow, now: datetime) -> Cells:
        raise NotImplementedError


class QueuedTable(ImportsTable):
    TITLE = "Queued"
    STATES = ("queued",)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "app.cancel_import", "Cancel", id="cancel"),
    ]
    COLUMNS = (
        ("id", "Import", 7),
        ("kind", "Kind", 6),
        ("due", "Due", 10),
        ("user", "User", 14),
    )

    def order(self, rows: list[ImportRow]) -> list[ImportRow]:
        # The next to run on top (review imports aside, the claim's order).
        return sorted(rows, key=lambda row: (row.due, row.enqueued, row.id))

    def cells(self, row: ImportRow, now: datetime) -> Cells:
        return cells.queued(row, now)


class RunningTable(ImportsTable):
    """Running imports; the title also counts the live runners, which is
    all that is said of them where the runners pane gives way."""

    TITLE = "Running"
    STATES = ("running",)
    COLUMNS = (
        ("id", "Import", 7),
        ("kind", "Kind", 6),
        ("for", "Running", 7),
        ("user", "User", 14),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.live_runners: int | None = None  # None: not read yet

    def count_runners(self, live: int) -> None:
        self.live_runners = live
        self._note = self.note(self.row_count) or str(self.row_count)
        self._retitle()

    def note(self, shown: int) -> str | None:
        live = self.live_runners
        if live is None:
            return None
        return f"{shown} · {live} runner{'' if live == 1 else 's'} live"

    def cells(self, row: ImportRow, now: datetime) -> Cells:
        return cells.running(row, now)


class ReviewTable(ImportsTable):
    """Pending imports and those whose decision is being carried out.

    A `*` before an import marks it for a batch decision.
    """

    TITLE = "Review"
    STATES = ("pending", "reviewed")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "app.toggle_mark", "Mark", id="mark"),
    ]
    COLUMNS = (
        ("mark", " ", 1),
        ("id", "Import", 7),
        ("kind", "Kind", 6),
        ("state", "State", 8),
        ("warnings", "Warn", 4),
        ("errors", "Err", 4),
        ("user", "User", 14),
        ("ended", "Ended", 11),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marked: frozenset[int] = frozenset()

    def note(self, shown: int) -> str | None:
        marked = len(self.marked)
        return f"{shown} · {marked} marked" if marked else None

    def order(self, rows: list[ImportRow]) -> list[ImportRow]:
        return sorted(rows, key=lambda row: row.id, reverse=True)

    def cells(self, row: ImportRow, now: datetime) -> Cells:
        return cells.in_review(row, now, row.id in self.marked)


class FailedTable(ImportsTable):
    """Imports that failed recently, newest first."""

    TITLE = "Failed"
    STATES = ("failed",)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "app.retry_import", "Retry now", id="retry"),
    ]
    # When it failed before how often: a narrow pane keeps the time.
    COLUMNS = (
        ("id", "Import", 7),
        ("kind", "Kind", 6),
        ("ended", "Failed", 12),
        ("errors", "Err", 4),
        ("user", "User", 14),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._total = 0
        self._window = ""

    def counted(self, total: int, window: timedelta) -> None:
        """How many failed within `window`, of which the pane shows the newest."""
        self._total = total
        self._window = f"{window.total_seconds() / 3600:g} h"

    def note(self, shown: int) -> str | None:
        if not self._window:
            return None
        if self._total > shown:
            # Fewer shown: past the pane's limit, or hidden by the filter.
            return f"{shown} of {self._total} in {self._window}"
        return f"{shown} in {self._window}"

    def order(self, rows: list[ImportRow]) -> list[ImportRow]:
        return sorted(rows, key=lambda row: (row.changed, row.id), reverse=True)

    def cells(self, row: ImportRow, now: datetime) -> Cells:
        return cells.failed(row, now)


class LocksTable(KeyedTable):
    """The dependency locks the hosted runner holds."""

    TITLE = "Locks"
    # The holders before the mode: at 80 columns the last one is cut.
    COLUMNS = (
        ("resource", "Resource", 18),
        ("holders", "Held by", 9),
        ("mode", "Mode", 9),
    )

    def show(self, holdings: Iterable[Holding]) -> None:
        ordered = sorted(holdings, key=lambda lock: lock.resource)
        self.apply([(lock.resource, cells.holding(lock)) for lock in ordered])

    def without_runner(self) -> None:
        self.apply([], note="no runner here")


class RunnersTable(KeyedTable):
    """Every runner registered on the database: where it runs, since when,
    how many imports it runs, and whether it is live (or this console's)."""

    TITLE = "Runners"
    # What matters most first: a narrow pane cuts the last columns. At
    # 160 columns every one shows; the runners view adds their numbers.
    COLUMNS = (
        ("host", "Host", 11),
        ("jobs", "Jobs", 4),
        ("state", "State", 5),
        ("since", "Up for", 7),
        ("pid", "PID", 7),
    )

    def show(
        self, runners: Iterable[RunnerRow], now: datetime, here: int | None
    ) -> None:
        rows = [
            (str(row.id), cells.runner(row, now, row.id == here))
            for row in sorted(runners, key=lambda row: row.id)
        ]
        self.apply(rows)

    def unreadable(self, reason: str) -> None:
        self.apply([], note=f"unreadable: {one_line(reason, 60)}")
