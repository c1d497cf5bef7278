"""Writing an import's log lines to the database.

Lines are written at once, each in its own short transaction on a
connection that acts as the queue's role, so that they show while the
import runs and survive its rollback. The connection comes from the
runner's pool when there is one, and goes back to it when the import's
log is closed. A line that cannot be written is reported to the process
log; it never fails the import.
"""

from __future__ import annotations

import logging
import threading

import psycopg

from gemma_tui.db import Connection, connect
from gemma_tui.db.pool import Pool
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.text import clean

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024

_Q = load("queue")


class DatabaseFeedback:
    """The log of one import."""

    def __init__(
        self, dsn: str, import_id: int, role: str | None, pool: Pool | None = None
    ) -> None:
        self._dsn = dsn
        self._role = role
        self._pool = pool
        self.import_id = import_id
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def info(self, message: str) -> None:
        self.write("info", message)

    def warn(self, message: str) -> None:
        self.write("warn", message)

    def error(self, message: str) -> None:
        self.write("error", message)

    def write(self, level: str, message: str) -> None:
        params = {"id": self.import_id, "level": level, "msg": sanitised(message)}
        with self._lock:
            try:
                self._connection().execute(_Q["log"], params)
            except (psycopg.Error, GemmaError) as error:
                log.error(
                    "cannot write a log line of import %d: %s",
                    self.import_id,
                    error,
                    extra={"import_id": self.import_id, "action": "log-failed"},
                )
                self._drop(error)

    def close(self) -> None:
        """Ends the log; its connection goes back to the pool."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._pool is not None:
            self._pool.give_back(conn)
        else:
            conn.close()

    def _drop(self, error: Exception) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._pool is not None:
            self._pool.discard(conn, error)
        elif conn is not None:
            conn.close()

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            if self._pool is not None:
                self._conn = self._pool.take()
                return self._conn
            self._conn = connect(self._dsn)
            if self._role:
                self._conn.execute(_Q.with_identifiers("set_role", role=self._role))
        return self._conn


def sanitised(message: str) -> str:
    """The message as it may be stored: no control characters, bounded."""
    text = clean(message)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " … (cut)"
    return text
