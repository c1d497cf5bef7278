"""The log pane: the newest log lines of every import.

Lines arrive in batches (the watcher gathers them) and are written in one
call per batch, into a `Log` that keeps at most `max_lines`. While the
operator has scrolled back, the pane counts new lines instead of jumping;
back at the end, it follows again. `i`, `w` and `e` show or hide a level,
and the App may narrow the lines to some imports (its filter): the pane
keeps the newest `max_lines` lines of every level and import, bounded
too, and redraws from them. The overview and the log view each hold one;
the log view's wraps a long line under its message (again on a resize,
following the end), the overview's keeps a line to an entry.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Log

from gemma_tui.queue.imports import LogLine
from gemma_tui.ui import cells
from gemma_tui.ui.describe import LEVELS
from gemma_tui.ui.quietlog import QuietLog
from gemma_tui.ui.wrapping import WRAPPED_LINES, room, wrapped

MAX_LINES = 1000

# The level word sits after the time and the import id (see cells.log_line),
# or after the word `console` on the console's own lines.
_LEVEL = re.compile(r"^\S+ (?:#\d+|console) (warn|error)\b")


class Levels(Highlighter):
    """Gives the level words of a log the log's component styles.

    `pattern` finds the level word as its first group; the styles are the
    components `<prefix>--warn` and `<prefix>--error`.
    """

    def __init__(self, log: Log, pattern: re.Pattern[str], prefix: str) -> None:
        self._log = log
        self._pattern = pattern
        self._prefix = prefix

    def highlight(self, text: Text) -> None:
        found = self._pattern.match(text.plain)
        if found is not None:
            style = self._log.get_component_rich_style(f"{self._prefix}--{found[1]}")
            text.stylize(style, *found.span(1))


@dataclass(frozen=True, slots=True)
class ConsoleLine:
    """A line of the console's own (a plugin skipped, say): no import's."""

    time: datetime
    level: str
    message: str


Line = LogLine | ConsoleLine
# Which lines of imports a pane shows; the console's own always show.
Wanted = Callable[[LogLine], bool]


def every_line(line: LogLine) -> bool:
    return True


class LogPane(QuietLog):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"log-pane--warn", "log-pane--error"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "toggle_level('info')", "Info", id="log.info"),
        Binding("w", "toggle_level('warn')", "Warnings", id="log.warn"),
        Binding("e", "toggle_level('error')", "Errors", id="log.error"),
        Binding("G", "follow", "Follow", show=False, id="log.follow"),
    ]

    def __init__(
        self,
        zone: tzinfo | None,
        *,
        max_lines: int = MAX_LINES,
        kept: Iterable[Line] = (),
        wanted: Wanted = every_line,
        wrap: bool = False,
        id: str | None = None,
    ) -> None:
        # Wrapped, an entry takes several lines: room for the same entries.
        drawn = max_lines * WRAPPED_LINES if wrap else max_lines
        super().__init__(highlight=True, max_lines=drawn, id=id)
        # Wrapping: long lines go on under their message; else they are cut.
        self._wrap = wrap
        self._wrapped_at = 0  # the width the lines were wrapped for
        self.highlighter = Levels(self, _LEVEL, "log-pane")
        self._zone = zone
        # `kept`: lines another pane received before this one existed.
        self._kept: deque[Line] = deque(kept, maxlen=max_lines)
        self._wanted = wanted
        self.levels = set(LEVELS)
        self._unseen = 0
        self._focused = False
        self._note = ""

    def on_mount(self) -> None:
        # Anchored, the pane stays on the newest line through layout changes
        # (lines written before it had its size used to leave it at the top)
        # until the operator scrolls back.
        self.anchor()
        self.write_lines(self._drawn(self._shown(self._kept)), scroll_end=False)
        self._retitle()

    def on_resize(self) -> None:
        if self._wrap and room(self) != self._wrapped_at:
            self._redraw()

    # The events say which way focus went; `has_focus` may not have caught
    # up yet when they arrive, which left stale markers on other panes.
    def on_focus(self) -> None:
        self._focused = True
        self._retitle()

    def on_blur(self) -> None:
        self._focused = False
        self._retitle()

    @property
    def kept(self) -> tuple[Line, ...]:
        """The newest lines received, shown or not, oldest first."""
        return tuple(self._kept)

    @property
    def unseen(self) -> int:
        """Lines written below the view since the operator scrolled back."""
        return self._unseen

    def add(self, lines: Sequence[Line]) -> None:
        """Writes a batch of lines in one call."""
        self._kept.extend(lines)
        shown = self._shown(lines)
        if not shown:
            return
        following = self.is_vertical_scroll_end
        self.write_lines(self._drawn(shown))
        self._unseen = 0 if following else self._unseen + len(shown)
        self._retitle()

    def notice(self, when: datetime, level: str, text: str) -> None:
        """A line of the console's own, about no import."""
        self.add([ConsoleLine(when, level, text)])

    def action_toggle_level(self, level: str) -> None:
        """Shows or hides the lines of `level`, and follows the end."""
        self.levels ^= {level}
        self._redraw()

    def narrow(self, wanted: Wanted) -> None:
        """Shows only the lines of the imports `wanted` accepts."""
        self._wanted = wanted
        self._redraw()

    def _redraw(self) -> None:
        self.clear()
        self.write_lines(self._drawn(self._shown(self._kept)), scroll_end=False)
        self.action_follow()

    def action_follow(self) -> None:
        self._unseen = 0
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.anchor()
        self._retitle()

    def _drawn(self, shown: list[str]) -> list[str]:
        """The lines of the log as drawn: wrapped, if the pane wraps."""
        if not self._wrap:
            return shown
        self._wrapped_at = width = room(self)
        console = self.app.console
        return [part for line in shown for part in wrapped(line, width, console)]

    def _shown(self, lines: Iterable[Line]) -> list[str]:
        return [self._text(line) for line in lines if self._showing(line)]

    def _showing(self, line: Line) -> bool:
        if line.level not in self.levels:
            return False
        return isinstance(line, ConsoleLine) or self._wanted(line)

    def _text(self, line: Line) -> str:
        if isinstance(line, ConsoleLine):
            return cells.console_line(line.time, line.level, line.message, self._zone)
        return cells.log_line(line, self._zone)

    def unavailable(self, reason: str) -> None:
        self._note = f"no live stream: {reason}"
        self._retitle()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._unseen and self.is_vertical_scroll_end:
            self._unseen = 0
            self._retitle()

    def _retitle(self) -> None:
        parts = ["▶ Log" if self._focused else "Log", f"times {self._zone_name()}"]
        hidden = [level for level in LEVELS if level not in self.levels]
        if hidden:
            parts.append(f"hiding {', '.join(hidden)}")
        if self._unseen:
            lines = "line" if self._unseen == 1 else "lines"
            parts.append(f"{self._unseen} new {lines} below")
        if self._note:
            parts.append(self._note)
        self.border_title = Content(" · ".join(parts))

    def _zone_name(self) -> str:
        return self._zone.tzname(None) or "local" if self._zone else "local"
