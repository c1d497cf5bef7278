"""The watcher: follows the database and posts what changed.

It runs in a thread worker with a connection of its own, LISTENs on the
channels the queue's triggers notify, and after a burst of notifications
has settled re-reads the live imports and the new log lines. A lost
connection is reported and retried with growing waits. The loop wakes at
least every `poll` seconds to see whether the console is closing.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql
from textual.message import Message

from gemma_tui.db import Connection, connect
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError, PermissionDenied, readable
from gemma_tui.queue.history import failed_since
from gemma_tui.queue.imports import (
    LogLine,
    live_imports,
    logs_after,
    recent_logs,
)
from gemma_tui.queue.runners import runners
from gemma_tui.ui.messages import (
    DatabaseLost,
    DatabaseReached,
    FailuresRefreshed,
    ImportsRefreshed,
    LogLinesArrived,
    LogStreamUnavailable,
    RunnersRefreshed,
    RunnersUnreadable,
)

IMPORTS = "gemma_tui_imports"
LOGS = "gemma_tui_logs"
BOTH = frozenset({IMPORTS, LOGS})

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class WatchSettings:
    poll: float = 0.25  # longest wait before the loop checks for closing
    debounce: float = 0.15  # how long a burst of notifications may grow
    fallback: float = 5.0  # re-read this often even when nothing notifies
    first_retry: float = 0.5
    longest_retry: float = 15.0
    imports_limit: int = 500
    failed_window: timedelta = timedelta(hours=24)  # failures shown this recent
    failed_limit: int = 100
    log_lines: int = 500  # newest lines kept when catching up
    log_batch: int = 1000


class Watcher:
    """Reads the live imports and the log stream for the console."""

    def __init__(
        self,
        dsn: str,
        post: Callable[[Message], object],
        settings: WatchSettings | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        prepare: Callable[[Connection], None] | None = None,
    ) -> None:
        self._dsn = dsn
        self._post = post
        # Run on each new connection before anything is read (say, to bring
        # up to date the schema of a database that was down at start).
        self._prepare = prepare
        self._settings = settings or WatchSettings()
        self._clock = clock
        self._last_seq: int | None = None  # None: nothing read yet
        self._logs_readable = True

    def run(self, closing: threading.Event) -> None:
        """Follows the database until `closing` is set."""
        failures = 0
        while not closing.is_set():
            try:
                with connect(self._dsn) as conn:
                    failures = 0
                    self._follow(conn, closing)
            except (psycopg.Error, GemmaError) as error:
                wait = self._backoff(failures)
                failures += 1
                self._post(DatabaseLost(_reason(error), wait))
                closing.wait(wait)

    def _backoff(self, failures: int) -> float:
        wait = self._settings.first_retry * 2**failures
        return float(min(wait, self._settings.longest_retry))

    def _follow(self, conn: Connection, closing: threading.Event) -> None:
        if self._prepare is not None:
            self._prepare(conn)
        _listen(conn)
        self._post(DatabaseReached())
        self._read(conn, BOTH)
        last_read = time.monotonic()
        while not closing.is_set():
            channels: frozenset[str] = self._changes(conn)
            if not channels:
                if time.monotonic() - last_read < self._settings.fallback:
                    continue
                # Databases without the triggers never notify.
                channels = BOTH
            self._read(conn, channels)
            last_read = time.monotonic()

    def _changes(self, conn: Connection) -> frozenset[str]:
        """The channels notified within `poll`, after letting a burst settle."""
        first = conn.notifies(timeout=self._settings.poll, stop_after=1)
        found = {n.channel for n in first}
        if found:
            later = conn.notifies(timeout=self._settings.debounce)
            found.update(n.channel for n in later)
        return frozenset(found)

    def _read(self, conn: Connection, channels: frozenset[str]) -> None:
        if IMPORTS in channels:
            live = live_imports(conn, limit=self._settings.imports_limit)
            self._post(ImportsRefreshed(tuple(live)))
            self._read_failures(conn)
            # The runners table has no trigger of its own; what it shows
            # (jobs running) changes with the imports, and the fallback
            # read brings runners that start or stop while all is quiet.
            self._read_runners(conn)
        if LOGS in channels and self._logs_readable:
            try:
                lines = self._new_lines(conn)
            except psycopg.errors.UndefinedColumn as error:
                # A database laid out like the reference's has no `seq`.
                self._logs_readable = False
                self._post(LogStreamUnavailable(_reason(error)))
                return
            if lines:
                self._post(LogLinesArrived(lines))

    def _read_failures(self, conn: Connection) -> None:
        window = self._settings.failed_window
        since = self._clock() - window
        failures = failed_since(conn, since, self._settings.failed_limit)
        self._post(FailuresRefreshed(failures.rows, failures.total, window))

    def _read_runners(self, conn: Connection) -> None:
        try:
            found = runners(conn)
        except PermissionDenied as error:
            # Only the panes of runners go blank; the rest reads on.
            self._post(RunnersUnreadable(str(error)))
            return
        self._post(RunnersRefreshed(tuple(found)))

    def _new_lines(self, conn: Connection) -> tuple[LogLine, ...]:
        if self._last_seq is None:
            lines: deque[LogLine] = deque(recent_logs(conn, self._settings.log_lines))
            self._last_seq = lines[-1].seq if lines else 0
            return tuple(lines)
        # Only the newest lines matter to a pane that keeps a few hundred.
        lines = deque(maxlen=self._settings.log_lines)
        while True:
            batch = logs_after(conn, self._last_seq, limit=self._settings.log_batch)
            lines.extend(batch)
            if batch:
                self._last_seq = batch[-1].seq
            if len(batch) < self._settings.log_batch:
                return tuple(lines)


def _listen(conn: Connection) -> None:
    conn.execute(_Q["listen"])
    # The engine's named `listen` covers the imports channel only; the log
    # channel is composed here, as an identifier, until it has one too.
    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(LOGS)))


def _reason(error: Exception) -> str:
    text = str(readable(error)) if isinstance(error, psycopg.Error) else str(error)
    return short_reason(text)


# libpq says where before why: "connection to server at "h", port 5 failed:
# Connection refused". A banner is one line, often cut at 80 columns.
_WHERE_WHY = re.compile(r"connection to server (?:at|on) (.+?) failed: (.+)", re.S)
_SAID_ALREADY = ("cannot reach the database: ", "connection failed: ")


def short_reason(text: str) -> str:
    """Why the database is unreachable, cause first, for one line."""
    for prefix in _SAID_ALREADY:
        text = text.removeprefix(prefix)
    found = _WHERE_WHY.match(text)
    if found is None:
        return text
    return f"{found[2].strip()} ({found[1]})"
