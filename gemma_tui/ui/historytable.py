"""The history's table: every import, newest first, through a moving window.

`HistoryTable` reads the history a page at a time by id (keyset
pagination) into a `Window`, which says when the cursor has come near an
unread edge, and draws only the lines on screen (the Line API). Only one
read is in flight at a time, so pages always join the window they were
asked for; a reset (a jump, a new filter) starts a new generation and
ignores what the old one asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from functools import partial
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from gemma_tui.errors import GemmaError
from gemma_tui.queue.filters import ImportFilter
from gemma_tui.queue.history import HistoryRow, Span
from gemma_tui.text import one_line
from gemma_tui.ui import lines
from gemma_tui.ui.messages import ImportChosen, PageRead, PageUnreadable
from gemma_tui.ui.paging import Direction, PageReader, PageRequest
from gemma_tui.ui.window import PAGE, Window

DRAWN_MOST = 500  # most drawn rows kept for the next frame
STATE_STYLES = ("failed", "pending", "running", "queued", "declined")


@dataclass(frozen=True, slots=True)
class _Palette:
    """The table's styles, looked up once."""

    base: Style
    cursor: Style
    header: Style
    note: Style
    states: dict[tuple[str, bool], Style]  # (state, under the cursor)
    thumb: Strip
    blank: Strip

    @classmethod
    def of(cls, table: Widget) -> _Palette:
        base = table.rich_style
        cursor = base + table.get_component_rich_style("history--cursor")
        states = {}
        for state in STATE_STYLES:
            colour = table.get_component_rich_style(f"history--{state}")
            states[state, False] = base + colour
            states[state, True] = cursor + colour
        return cls(
            base,
            cursor,
            table.get_component_rich_style("history--header"),
            table.get_component_rich_style("history--note"),
            states,
            Strip([Segment("█", table.get_component_rich_style("history--thumb"))]),
            Strip([Segment(" ", base)]),
        )


class HistoryTable(Widget, can_focus=True):
    """Imports newest first, read by id as the cursor moves."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history--header",
        "history--cursor",
        "history--note",
        "history--thumb",
        *(f"history--{state}" for state in STATE_STYLES),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "Down", show=False, id="history.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="history.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="history.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="history.page_up"),
        Binding("g,home", "newest", "Newest", id="history.newest"),
        Binding("G,end", "oldest", "Oldest", id="history.oldest"),
        Binding("enter", "open_import", "Open", id="history.open"),
    ]

    def __init__(
        self,
        reader: PageReader,
        zone: tzinfo | None,
        where: ImportFilter,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._reader = reader
        self._zone = zone
        self.where = where
        self.window = Window()
        self._generation = 0
        self._asking: PageRequest | None = None  # the one read in flight
        self._stale = False  # read the window again once the read is in
        self._span = Span(None, None)
        self._problem = ""
        self._version = 0  # counts the changes of the rows
        self._planned: tuple[object, lines.Layout] | None = None
        # Counts the redraws asked for; with the highlighted row's id at
        # the last one drawn, it tells when a move has reached the screen.
        self.redraws = 0
        self.painted: tuple[int, int] | None = None
        self._titled = ""
        # Drawn rows by what they show; cleared when the columns change.
        self._drawn: dict[tuple[HistoryRow, bool], Strip] = {}
        self._palette: _Palette | None = None

    # What the view shows.

    @property
    def rows(self) -> list[HistoryRow]:
        return self.window.rows

    @property
    def highlighted(self) -> HistoryRow | None:
        return self.window.highlighted

    @property
    def page_rows(self) -> int:
        return max(self.size.height - 1, 1)  # the first line is the heading

    @property
    def at_newest(self) -> bool:
        return self.window.at_newest

    @property
    def at_oldest(self) -> bool:
        return self.window.at_oldest

    @property
    def busy(self) -> bool:
        return self._asking is not None

    @property
    def owing(self) -> bool:
        """Whether moves wait for rows not read yet."""
        return self.window.owed != 0

    # Reading.

    def on_mount(self) -> None:
        self.reset()

    def reset(self, *, newest: bool = True, where: ImportFilter | None = None) -> None:
        """Starts again from the newest (or oldest) import that matches."""
        self._generation += 1
        if where is not None:
            self.where = where
        direction = self.window.clear(newest=newest)
        self._version += 1
        self._asking, self._stale = None, False
        self._ask(direction, None, replace=True)
        self._redraw()

    def reread(self) -> None:
        """Reads the rows of the window again (their states change)."""
        if self._asking is not None:
            self._stale = True
        elif not self.rows:
            self.reset(newest=True)
        else:
            anchor, size = self.window.reread()
            self._ask(Direction.OLDER, anchor, replace=True, limit=size)

    def _ask(
        self,
        direction: Direction,
        anchor: int | None,
        *,
        replace: bool = False,
        limit: int = PAGE,
    ) -> None:
        request = PageRequest(
            self._generation, direction, anchor, limit, self.where, replace
        )
        self._asking = request
        self.run_worker(
            partial(self._read, request),
            name="history page",
            group="history",
            thread=True,
            exit_on_error=False,
        )

    def _read(self, request: PageRequest) -> None:
        # In a thread worker: only posts.
        try:
            page = self._reader.read(request)
        except GemmaError as error:
            self.post_message(PageUnreadable(request, str(error)))
            return
        self.post_message(PageRead(page))

    def on_page_read(self, message: PageRead) -> None:
        page = message.page
        if page.request is not self._asking:
            return  # asked for a window since reset
        self._asking, self._problem, self._span = None, "", page.span
        self._version += 1
        self.window.height = self.page_rows
        owed = self.window.take(page)
        if owed:
            self._move(owed)
        else:
            self._redraw()
            self._want()

    def on_page_unreadable(self, message: PageUnreadable) -> None:
        if message.request is self._asking:
            self._asking, self._stale = None, False
            self._problem = message.reason
            self._redraw()

    def _want(self) -> None:
        """Asks for the next read due, if none is in flight."""
        if self._asking is not None:
            return
        if self._stale:
            self._stale = False
            self.reread()
        elif (due := self.window.next_read()) is not None:
            self._ask(*due)

    # Moving.

    def action_move(self, delta: int) -> None:
        self._move(delta)

    def action_page(self, pages: int) -> None:
        self.window.height = self.page_rows
        self.window.page(pages)
        self._redraw()
        self._want()

    def action_newest(self) -> None:
        if self.window.to_newest():
            self._redraw()
        else:
            self.reset(newest=True)

    def action_oldest(self) -> None:
        if self.window.to_oldest():
            self._redraw()
        else:
            self.reset(newest=False)

    def action_open_import(self) -> None:
        if (row := self.highlighted) is not None:
            self.post_message(ImportChosen(row.id))

    def on_mouse_scroll_down(self) -> None:
        self._move(3)

    def on_mouse_scroll_up(self) -> None:
        self._move(-3)

    def _move(self, delta: int) -> None:
        self.window.height = self.page_rows
        before = self.window.cursor
        if self.window.move(delta):
            self._redraw()
        else:
            # Nothing scrolled: only the two cursor lines change.
            self._redraw(before, self.window.cursor)
        self._want()

    # Drawing: only the lines on screen.

    def _redraw(self, *rows: int) -> None:
        """Draws again the lines of `rows` (indexes), or every line."""
        self.redraws += 1
        title = self._title()
        if title != self._titled:
            self._titled = title
            self.border_title = Content(title)
        if rows:
            width, top = self.size.width, self.window.top
            self.refresh(*(Region(0, 1 + row - top, width, 1) for row in rows))
        else:
            self.refresh()

    def _title(self) -> str:
        parts = ["History", "newest first"]
        shown = self.window.shown
        if shown:
            parts.append(f"#{shown[0].id} to #{shown[-1].id}")
        if self.where:
            parts.append("filtered")
        if self.busy:
            parts.append("reading…")
        return " · ".join(parts)

    def on_focus(self) -> None:
        self._forget_drawing()
        self.refresh()

    def on_blur(self) -> None:
        self._forget_drawing()
        self.refresh()

    def on_resize(self) -> None:
        self.window.height = self.page_rows
        self.window.clamp()
        self._want()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_drawing()

    def _forget_drawing(self) -> None:
        self._palette = None
        self._drawn.clear()

    @property
    def palette(self) -> _Palette:
        # Looking styles up is costly; once per change of styles or focus.
        if self._palette is None:
            self._palette = _Palette.of(self)
        return self._palette

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        plan = self._plan(width - 1)
        colours = self.palette
        if y == 0:
            text = " ".join(lines.headings(plan))
            return self._strip([Segment(text, colours.header)], width, colours.header)
        index = self.window.top + y - 1
        if index < len(self.rows):
            return self._row_strip(self.rows[index], index, plan, width, y)
        if index == len(self.rows):
            note = [Segment(self._note(), colours.note)]
            return self._strip(note, width, colours.note)
        return self._strip([], width, colours.base)

    def _plan(self, width: int) -> lines.Layout:
        # Once per change of the window or the width, not once per line.
        key = (width, self._version, self._span)
        if self._planned is None or self._planned[0] != key:
            id_width = lines.id_width(self._span.highest)
            plan = lines.layout(width, id_width, lines.wants(self.rows))
            if self._planned is None or self._planned[1] != plan:
                self._drawn.clear()
            self._planned = (key, plan)
        return self._planned[1]

    def _row_strip(
        self, row: HistoryRow, index: int, plan: lines.Layout, width: int, y: int
    ) -> Strip:
        cursor = index == self.window.cursor
        if cursor:
            self.painted = (row.id, self.redraws)
        body = self._drawn.get((row, cursor))
        if body is None:
            if len(self._drawn) > DRAWN_MOST:
                self._drawn.clear()
            body = self._drawn[row, cursor] = self._body(row, cursor, plan, width)
        thumb = self.palette.thumb if y == self._thumb_line() else self.palette.blank
        return Strip.join([body, thumb])

    def _body(
        self, row: HistoryRow, cursor: bool, plan: lines.Layout, width: int
    ) -> Strip:
        colours = self.palette
        style = colours.cursor if cursor else colours.base
        state = colours.states.get((row.state, cursor), style)
        segments = []
        texts = lines.cells(row, plan, self._zone)
        for (key, _), text in zip(plan.columns, texts, strict=True):
            segments.append(Segment(text, state if key == "state" else style))
            segments.append(Segment(" ", style))
        return Strip(segments).adjust_cell_length(width - 1, style)

    def _strip(self, segments: list[Segment], width: int, style: Style) -> Strip:
        body = Strip(segments).adjust_cell_length(width - 1, style)
        return Strip.join([body, self.palette.blank])

    def _thumb_line(self) -> int:
        """The line of the one-cell scroll bar."""
        return 1 + round(self.window.share(self._span) * (self.page_rows - 1))

    def _note(self) -> str:
        if self._problem:
            return f"Cannot read the history: {one_line(self._problem)}"
        if self.busy:
            return "Reading…"
        if not self.rows:
            return "No imports match." if self.where else "No imports yet."
        return "End of the history." if self.at_oldest else ""
