"""Connections kept for reuse by the threads of one process.

Opening a connection costs about a hundred round trips, so a runner keeps
the connections its imports used. The pool opens connections only when
asked, never ahead; a connection that saw an error is closed rather than
kept, and a connection error empties the pool, since the others are likely
dead too (the server restarted, say).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.pq import TransactionStatus

from gemma_tui.db import Connection, connect

Step = Callable[[Connection], None]


def _nothing(conn: Connection) -> None:
    pass


class Pool:
    """Idle connections to `dsn`, at most `keep` of them.

    `prepare` runs on every new connection (say, to assume a role), `reset`
    on every connection handed back before it is kept.
    """

    def __init__(
        self,
        dsn: str,
        keep: int,
        *,
        prepare: Step = _nothing,
        reset: Step = _nothing,
    ) -> None:
        self._dsn = dsn
        self._keep = keep
        self._prepare = prepare
        self._reset = reset
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for the block; kept afterwards if the block went well."""
        conn = self.take()
        try:
            yield conn
        except BaseException as error:
            self.discard(conn, error)
            raise
        self.give_back(conn)

    def take(self) -> Connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
        conn = connect(self._dsn)
        try:
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def give_back(self, conn: Connection) -> None:
        idle = conn.info.transaction_status == TransactionStatus.IDLE
        if conn.closed or conn.broken or not idle:
            conn.close()
            return
        try:
            self._reset(conn)
        except psycopg.Error:
            conn.close()
            return
        with self._lock:
            if not self._closed and len(self._idle) < self._keep:
                self._idle.append(conn)
                return
        conn.close()

    def discard(self, conn: Connection, error: BaseException | None = None) -> None:
        """Closes a connection in an unknown state instead of keeping it."""
        conn.close()
        if isinstance(error, psycopg.OperationalError):
            self.clear()

    def clear(self) -> None:
        """Closes every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        """Closes every idle connection, and each one handed back later."""
        with self._lock:
            self._closed = True
        self.clear()
