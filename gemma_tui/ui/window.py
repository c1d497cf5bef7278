"""The history's window: the rows read around the cursor, and the screen.

Pure bookkeeping, no widget and no database: the history table feeds it
pages and moves and asks it what to read next. Rows are newest first; the
window holds at most `WINDOW` of them and drops the far side as it grows.
A move beyond the rows read so far is owed and made when the page comes.
"""

from __future__ import annotations

from gemma_tui.queue.history import HistoryRow, Span
from gemma_tui.ui.paging import Direction, Page

PAGE = 200  # rows a read asks for
WINDOW = 1000  # most rows held at once


class Window:
    def __init__(self) -> None:
        self.rows: list[HistoryRow] = []
        self.cursor = 0  # index into `rows`
        self.top = 0  # index of the first row on screen
        self.height = 1  # rows on screen
        self.at_newest = False  # whether `rows` holds the newest match
        self.at_oldest = False
        self.owed = 0  # moves asked for beyond the rows read so far
        self._landing = "top"  # where a replacing page puts the cursor

    @property
    def highlighted(self) -> HistoryRow | None:
        return self.rows[self.cursor] if self.rows else None

    @property
    def shown(self) -> list[HistoryRow]:
        return self.rows[self.top : self.top + self.height]

    @property
    def margin(self) -> int:
        """How near an unread edge the cursor may come before a read."""
        return max(100, 3 * self.height)

    def clear(self, *, newest: bool) -> Direction:
        """Empties the window; returns which way to read it from scratch."""
        self.rows, self.cursor, self.top, self.owed = [], 0, 0, 0
        self.at_newest = self.at_oldest = False
        self._landing = "top" if newest else "bottom"
        return Direction.OLDER if newest else Direction.NEWER

    def reread(self) -> tuple[int | None, int]:
        """The anchor (an id to read below) and size that read the window
        again; the page replaces it and the cursor stays on its import."""
        self._landing = "keep"
        anchor = None if self.at_newest else self.rows[0].id + 1
        return anchor, min(max(len(self.rows), PAGE), WINDOW)

    def take(self, page: Page) -> int:
        """Adds or puts in place a page; returns the moves still owed."""
        if page.request.replace:
            self._replace(page)
        else:
            self._extend(page)
        owed, self.owed = self.owed, 0
        self.clamp()
        return owed

    def next_read(self) -> tuple[Direction, int] | None:
        """The read due now that the cursor is where it is, if any."""
        if not self.rows:
            return None
        if not self.at_oldest and len(self.rows) - 1 - self.cursor < self.margin:
            return Direction.OLDER, self.rows[-1].id
        if not self.at_newest and self.cursor < self.margin:
            return Direction.NEWER, self.rows[0].id
        return None

    def move(self, delta: int) -> bool:
        """Moves the cursor; returns whether the screen scrolled."""
        if not self.rows:
            return False
        target = self.cursor + delta
        last = len(self.rows) - 1
        if target > last and not self.at_oldest:
            self.owed = target - last
        elif target < 0 and not self.at_newest:
            self.owed = target
        top = self.top
        self.cursor = max(0, min(target, last))
        self.clamp()
        return self.top != top

    def page(self, pages: int) -> None:
        """Moves a screenful, the cursor staying on its line."""
        offset = self.cursor - self.top
        self.move(pages * self.height)
        self.top = self.cursor - offset
        self.clamp()

    def to_newest(self) -> bool:
        """Puts the cursor on the newest row; False when not held."""
        if not self.at_newest:
            return False
        self.cursor = self.top = 0
        return True

    def to_oldest(self) -> bool:
        """Puts the cursor on the oldest row; False when not held."""
        if not (self.at_oldest and self.rows):
            return False
        self.cursor = len(self.rows) - 1
        self.clamp()
        return True

    def clamp(self) -> None:
        """Keeps the cursor on a row and the screen on the cursor."""
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        top = max(self.cursor - self.height + 1, min(self.top, self.cursor))
        self.top = max(0, min(top, len(self.rows) - self.height))

    def share(self, span: Span) -> float:
        """How far down the ids the screen has come, 0 to 1.

        An estimate from the ids alone (gaps and filters skew it), since
        counting the rows above would read them all.
        """
        shown = self.shown
        if not shown or span.lowest is None or span.highest is None:
            return 0.0
        room = span.highest - span.lowest - (shown[0].id - shown[-1].id)
        share = (span.highest - shown[0].id) / room if room > 0 else 0.0
        return max(0.0, min(share, 1.0))

    def _replace(self, page: Page) -> None:
        request, held = page.request, self.highlighted
        offset, top = self.cursor - self.top, self.top
        self.rows = list(page.rows)
        if request.direction is Direction.OLDER:
            self.at_newest = request.anchor is None
            self.at_oldest = page.complete
        else:
            self.at_oldest = True
            self.at_newest = page.complete
        if self._landing == "top":
            self.cursor = self.top = 0
        elif self._landing == "bottom":
            self.cursor = len(self.rows) - 1
            self.top = len(self.rows) - self.height
        else:
            self._keep(held, offset, top)

    def _keep(self, held: HistoryRow | None, offset: int, top: int) -> None:
        """Keeps the cursor on the import it was on, where it still is."""
        ids = [row.id for row in self.rows]
        if held is not None and held.id in ids:
            self.cursor = ids.index(held.id)
        # At the top of the newest rows, new imports show above the cursor.
        self.top = 0 if self.at_newest and top == 0 else self.cursor - offset

    def _extend(self, page: Page) -> None:
        fresh = list(page.rows)
        if page.request.direction is Direction.OLDER:
            self.rows.extend(fresh)
            self.at_oldest = page.complete
            cut = max(len(self.rows) - WINDOW, 0)
            if cut:
                del self.rows[:cut]
                self.at_newest = False
            self._shift(-cut)
        else:
            self.rows[:0] = fresh
            self.at_newest = page.complete
            self._shift(len(fresh))
            if len(self.rows) > WINDOW:
                del self.rows[WINDOW:]
                self.at_oldest = False

    def _shift(self, by: int) -> None:
        self.cursor += by
        self.top += by
