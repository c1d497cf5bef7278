"""The log pane: the newest log lines of every import.

Lines arrive in batches (the watcher gathers them) and are written in one
call per batch, into a `Log` that keeps at most `max_lines`. While the
operator has scrolled back, the pane counts new lines instead of jumping.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual.content import Content
from textual.widgets import Log

from gemma_tui.queue.imports import LogLine
from gemma_tui.ui import cells

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


class LogPane(Log):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"log-pane--warn", "log-pane--error"}

    def __init__(
        self, zone: tzinfo | None, *, max_lines: int = MAX_LINES, id: str | None = None
    ) -> None:
        super().__init__(highlight=True, max_lines=max_lines, id=id)
        self.highlighter = Levels(self, _LEVEL, "log-pane")
        self._zone = zone
        self._unseen = 0
        self._focused = False
        self._note = ""

    def on_mount(self) -> None:
        # Anchored, the pane stays on the newest line through layout changes
        # (lines written before it had its size used to leave it at the top)
        # until the operator scrolls back.
        self.anchor()
        self._retitle()

    # The events say which way focus went; `has_focus` may not have caught
    # up yet when they arrive, which left stale markers on other panes.
    def on_focus(self) -> None:
        self._focused = True
        self._retitle()

    def on_blur(self) -> None:
        self._focused = False
        self._retitle()

    def add(self, lines: Sequence[LogLine]) -> None:
        """Writes a batch of lines in one call."""
        following = self.is_vertical_scroll_end
        self.write_lines([cells.log_line(line, self._zone) for line in lines])
        self._unseen = 0 if following else self._unseen + len(lines)
        self._retitle()

    def notice(self, when: datetime, level: str, text: str) -> None:
        """A line of the console's own, about no import."""
        following = self.is_vertical_scroll_end
        self.write_line(cells.console_line(when, level, text, self._zone))
        self._unseen = 0 if following else self._unseen + 1
        self._retitle()

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
        if self._unseen:
            parts.append(f"{self._unseen} new below")
        if self._note:
            parts.append(self._note)
        self.border_title = Content(" · ".join(parts))

    def _zone_name(self) -> str:
        return self._zone.tzname(None) or "local" if self._zone else "local"
