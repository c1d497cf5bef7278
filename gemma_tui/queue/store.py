"""Writing state that must not be lost: retried while the database is away.

An outcome is worth more than the seconds spent waiting for the server: a
write that fails for want of a connection is tried again after 1 s, then
after waits that double up to a minute, ten times in all (the defaults).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import psycopg

from gemma_tui.db import Connection, connect
from gemma_tui.db.pool import Pool
from gemma_tui.db.queries import load
from gemma_tui.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class StoreRetry:
    attempts: int = 10
    first_wait: float = 1.0
    longest_wait: float = 60.0

    def waits(self) -> list[float]:
        """The pauses between attempts."""
        waits, wait = [], self.first_wait
        for _ in range(self.attempts - 1):
            waits.append(wait)
            wait = min(wait * 2, self.longest_wait)
        return waits


def store(
    dsn: str,
    role: str | None,
    retry: StoreRetry,
    stop: threading.Event,
    write: Callable[[Connection], T],
    *,
    pool: Pool | None = None,
) -> T | None:
    """Runs `write` on a connection (from `pool`, if given; fresh
    otherwise) until it succeeds.

    Gives up (returning None) after the last attempt or when `stop` is set
    during a wait; the import then stays as it was and the next start of a
    runner recovers it.
    """
    for attempt, wait in enumerate([*retry.waits(), None], start=1):
        try:
            if pool is not None:
                with pool.connection() as conn:
                    return write(conn)
            with _connection(dsn, role) as conn:
                return write(conn)
        except (psycopg.OperationalError, DatabaseUnavailable) as error:
            log.warning(
                "storing state failed (attempt %d of %d): %s",
                attempt,
                retry.attempts,
                error,
                extra={"action": "store-retry"},
            )
            if wait is None or stop.wait(wait):
                break
    log.error("gave up storing state", extra={"action": "store-failed"})
    return None


def _connection(dsn: str, role: str | None) -> Connection:
    conn = connect(dsn)
    if role:
        conn.execute(_Q.with_identifiers("set_role", role=role))
    return conn
