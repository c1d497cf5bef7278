"""Reading the history a page at a time, for the history view.

The view asks for one page at a time (`PageRequest`); a thread worker runs
it on the reader's one connection and posts `PageRead` or
`PageUnreadable`. The connection plans every query with its own terms
(no server-side prepared statements) and cancels any that runs too long.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

import psycopg

from gemma_tui.db import Connection, connect
from gemma_tui.errors import GemmaError, readable
from gemma_tui.queue import history
from gemma_tui.queue.filters import ImportFilter
from gemma_tui.queue.history import HistoryRow, Span

# Longest a page may take before the server cancels it (a free-text filter
# that matches almost nothing may scan the whole table).
STATEMENT_TIMEOUT = 5.0


class Direction(Enum):
    OLDER = "older"  # ids below the anchor (None: from the newest)
    NEWER = "newer"  # ids above the anchor (None: from the oldest)


@dataclass(frozen=True, slots=True)
class PageRequest:
    # Which picture of the view asked: a view that has since been reset
    # (a jump, a new filter) drops pages asked for the old one.
    generation: int
    direction: Direction
    anchor: int | None
    limit: int
    where: ImportFilter
    replace: bool = False  # the page replaces the window (a refresh, a jump)


@dataclass(frozen=True, slots=True)
class Page:
    request: PageRequest
    rows: tuple[HistoryRow, ...]  # newest first
    span: Span

    @property
    def complete(self) -> bool:
        """Whether the page reached the end it was read towards."""
        return len(self.rows) < self.request.limit


class PageReader:
    """Reads pages on one connection, opened when first needed."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._closing = False

    def read(self, request: PageRequest) -> Page:
        """The page asked for; a GemmaError says why there is none."""
        with self._lock:
            try:
                return self._read(self._connection(), request)
            except psycopg.Error as error:
                self._drop()
                raise readable(error) from error
            finally:
                if self._closing:
                    self._drop()

    def close(self) -> None:
        """Closes the connection now, or after the read that holds it."""
        self._closing = True
        if self._lock.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._lock.release()

    def _read(self, conn: Connection, request: PageRequest) -> Page:
        read = history.older if request.direction is Direction.OLDER else history.newer
        rows = read(conn, request.anchor, request.limit, request.where)
        return Page(request, tuple(rows), history.span(conn))

    def _connection(self) -> Connection:
        if self._closing:
            raise GemmaError("the history is closing")
        if self._conn is None or self._conn.closed:
            conn = connect(self._dsn, prepare_threshold=None)
            history.limit_statements(conn, STATEMENT_TIMEOUT)
            self._conn = conn
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
