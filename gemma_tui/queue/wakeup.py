"""Waking an idle runner: notifications, on a connection of their own.

The listener LISTENs on the channels that say a runner may find work (an
import was queued or given another due time, another runner freed
resources) and sets the runner's wake-up event for each notification. Its
connection is separate from the control connection, so losing it costs no
locks and no liveness; it reconnects by itself, and after every
(re)connection it wakes the runner once, which catches up on whatever was
notified while nobody listened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from gemma_tui.db import Connection, connect
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError

log = logging.getLogger(__name__)

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class ListenSettings:
    check_stop: float = 0.25  # longest wait before the loop looks at `stop`
    # A lost connection is replaced at once; failing that, after waits that
    # double from `first_retry`.
    first_retry: float = 0.05
    longest_retry: float = 5.0

    def backoff(self, failures: int) -> float:
        if failures == 0:
            return 0.0
        return float(min(self.first_retry * 2 ** (failures - 1), self.longest_retry))


# Where runners say which runner freed resources (queue.sql, unlock).
FREED = "gemma_tui_dependencies"


def _nobody() -> int | None:
    return None


class Listener:
    """Sets `wake` whenever the database says a runner may find work, but
    not for resources that the runner `me()` freed itself: it looks again
    after freeing them anyway."""

    def __init__(
        self,
        dsn: str,
        wake: threading.Event,
        trouble: Callable[[Exception], None],
        settings: ListenSettings | None = None,
        me: Callable[[], int | None] = _nobody,
    ) -> None:
        self._dsn = dsn
        self._wake = wake
        self._me = me
        self._trouble = trouble
        self._settings = settings or ListenSettings()
        self.backend_pid: int | None = None  # of the listening connection

    def run(self, stop: threading.Event) -> None:
        """Listens until `stop` is set, reconnecting whenever it must."""
        failures = 0
        while not stop.is_set():
            try:
                with connect(self._dsn) as conn:
                    self._listen(conn)
                    failures = 0
                    self._follow(conn, stop)
            except (psycopg.Error, GemmaError) as error:
                self.backend_pid = None
                log.warning("listener: %s", error, extra={"action": "listen-lost"})
                if failures:
                    # Losing a connection happens; failing to get one is trouble.
                    self._trouble(error)
                stop.wait(self._settings.backoff(failures))
                failures += 1

    def _listen(self, conn: Connection) -> None:
        conn.execute(_Q["listen_queued"])
        conn.execute(_Q["listen_dependencies"])
        self.backend_pid = conn.info.backend_pid
        # Whatever was notified while nobody listened: one look catches up.
        self._wake.set()

    def _follow(self, conn: Connection, stop: threading.Event) -> None:
        while not stop.is_set():
            for note in conn.notifies(timeout=self._settings.check_stop):
                if note.channel != FREED or note.payload != str(self._me()):
                    self._wake.set()
