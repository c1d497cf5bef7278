"""A `Log` whose background measuring may outlive the App.

Textual's `Log` measures the width of new lines in a thread worker that,
when done, asks its widget for the App. Lines written just before the
console closes can leave that worker running after the App is gone; it
then raises `NoActiveAppError`, and, being a worker that exits the App on
error, fails a shutdown that had nothing wrong with it. Here the late
measure is dropped instead: there is no screen left to size.
"""

from __future__ import annotations

import contextlib

from textual import work
from textual.types import NoActiveAppError
from textual.widgets import Log

_measure = Log._update_size.__wrapped__  # type: ignore[attr-defined]


class QuietLog(Log):
    @work(thread=True, exit_on_error=False)
    def _update_size(self, updates: int, lines: list[str]) -> None:
        with contextlib.suppress(NoActiveAppError):
            _measure(self, updates, lines)
