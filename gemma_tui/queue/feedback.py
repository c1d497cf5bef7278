"""An import's log, as its job sees it.

Lines go to the runner's bookkeeper (gemma_tui.queue.bookkeeper), which
writes them soon, on a connection that acts as the queue's role, so that
they show while the import runs and survive its rollback. A line that
cannot be written is reported to the process log; it never fails the
import.
"""

from __future__ import annotations

from gemma_tui.queue.bookkeeper import Bookkeeper, Line
from gemma_tui.text import clean

MAX_MESSAGE = 64 * 1024


class ImportLog:
    """The log of one import. With `at_once`, each line is written before
    `write` returns: for jobs that write lines of their own, in their
    transaction, which must come after."""

    def __init__(
        self, bookkeeper: Bookkeeper, import_id: int, *, at_once: bool = False
    ) -> None:
        self._bookkeeper = bookkeeper
        self.import_id = import_id
        self._at_once = at_once

    def info(self, message: str) -> None:
        self.write("info", message)

    def warn(self, message: str) -> None:
        self.write("warn", message)

    def error(self, message: str) -> None:
        self.write("error", message)

    def write(self, level: str, message: str) -> None:
        self._bookkeeper.log(Line(self.import_id, level, sanitised(message)))
        if self._at_once:
            self._bookkeeper.flush()


def sanitised(message: str) -> str:
    """The message as it may be stored: no control characters, bounded."""
    text = clean(message)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " … (cut)"
    return text
