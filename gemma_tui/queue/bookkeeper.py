"""Writing the log lines and outcomes of a runner's imports, in batches.

One thread writes for every import of a runner: whatever lines and
outcomes wait when it is free go to the database in one round trip and one
transaction (import.store_batch), so a busy runner pays one round trip and
one flush to disk for many imports. A job that logs a line goes on at once;
whoever stores an outcome waits for its commit. The thread takes them in
the order they came and the log keeps that order, so an import's lines are
never written after its final state.

Each outcome is written conditional on the import still running for its
runner, so a batch written again after a lost commit answer changes
nothing twice; an outcome or a line that fails leaves the rest of the
batch standing. A batch that fails for want of a connection is tried again
like any state that must not be lost (gemma_tui.queue.store), but without
its lines: they may have been written already, and a line is written at
most once.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg

from gemma_tui.db import Connection
from gemma_tui.db.pool import Pool
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.queue.store import StoreRetry, store

log = logging.getLogger(__name__)

_Q = load("queue")

# At most this many outcomes a batch: each is a subtransaction, and past
# 64 of them in one transaction every snapshot of the server gets slower.
MAX_OUTCOMES = 32
MAX_LINES = 1000
MAX_WAITING = 10_000
# Seconds lines alone wait for company: a job's lines are mostly followed
# by its outcome soon, and then both cost one round trip.
LINGER = 0.02


@dataclass(frozen=True, slots=True)
class Line:
    """A log line of an import, as it is stored."""

    import_id: int
    level: str
    message: str


@dataclass(frozen=True, slots=True)
class Ending:
    """How a run of import `target` by runner `holder` ended, as
    import.store_batch takes it."""

    target: int
    holder: int | None
    remove: bool
    state: str
    summary: str | None
    log_to: int
    lines: list[tuple[str, str]]
    retry: bool
    tries: int | None
    wait: timedelta | None


class StoreFailed(GemmaError):
    """The database refused an outcome."""


@dataclass(slots=True)
class _Pending:
    """Someone waiting: for an outcome to be stored, or (with no ending)
    for everything queued before to be written."""

    ending: Ending | None
    done: threading.Event = field(default_factory=threading.Event)
    retry_id: int | None = None
    failure: str | None = None


_Item = Line | _Pending


# Writes lines and outcomes, given in the order they came.
Write = Callable[[Connection, list[Line | Ending]], list[tuple[Any, ...]]]


class Bookkeeper:
    """The writing thread of one runner, on connections from `pool`; each
    batch is written by `write` (tests may interfere there)."""

    def __init__(
        self,
        pool: Pool,
        retry: StoreRetry,
        stop: threading.Event,
        write: Write | None = None,
    ) -> None:
        self._pool = pool
        self._write_batch = write or write_batch
        self._retry = retry
        self._stop = stop
        # Bounded: a job that logs faster than lines are written waits.
        self._items: queue.Queue[_Item | None] = queue.Queue(maxsize=MAX_WAITING)
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, name="bookkeeper", daemon=True
        )
        self._thread.start()

    @property
    def waiting(self) -> int:
        """Lines and outcomes queued and not yet taken up for writing."""
        return self._items.qsize()

    def log(self, line: Line) -> None:
        """Queues a line; it is written soon, in the order it came."""
        self._put(line)

    def store(self, ending: Ending) -> int | None:
        """Writes the outcome after everything queued before it. Returns
        the retry's id; None if there is none, if nothing was written (the
        import no longer runs for its runner), or if storing gave up."""
        pending = _Pending(ending)
        self._put(pending)
        pending.done.wait()
        if pending.failure is not None:
            raise StoreFailed(pending.failure)
        return pending.retry_id

    def flush(self) -> None:
        """Waits until everything queued before is written."""
        pending = _Pending(None)
        self._put(pending)
        pending.done.wait()

    def close(self) -> None:
        """Writes what waits, then ends the thread. Whatever comes later is
        written on the caller's thread."""
        with self._lock:
            self._closed = True
            self._items.put(None)
        self._thread.join()
        self._pool.close()

    def _put(self, item: _Item) -> None:
        with self._lock:
            if not self._closed:
                self._items.put(item)
                return
        self._write([item])

    def _run(self) -> None:
        while True:
            item = self._items.get()
            if item is None:
                return
            batch = [item]
            last = self._gather(batch)
            if not last and not any(isinstance(i, _Pending) for i in batch):
                last = self._linger(batch)
            self._write(batch)
            if last:
                return

    def _gather(self, batch: list[_Item]) -> bool:
        """Adds what else waits, within the limits; True if the end came."""
        outcomes = sum(isinstance(item, _Pending) for item in batch)
        while outcomes < MAX_OUTCOMES and len(batch) < MAX_LINES:
            try:
                item = self._items.get_nowait()
            except queue.Empty:
                return False
            if item is None:
                return True
            batch.append(item)
            outcomes += isinstance(item, _Pending)
        return False

    def _linger(self, batch: list[_Item]) -> bool:
        """Adds what comes within LINGER, until someone waits; True if the
        end came."""
        deadline = time.monotonic() + LINGER
        while len(batch) < MAX_LINES:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                item = self._items.get(timeout=left)
            except queue.Empty:
                return False
            if item is None:
                return True
            batch.append(item)
            if isinstance(item, _Pending):
                return self._gather(batch)
        return False

    def _write(self, batch: list[_Item]) -> None:
        lines = [item for item in batch if isinstance(item, Line)]
        waiting = [item for item in batch if isinstance(item, _Pending)]
        pending = [item for item in waiting if item.ending is not None]
        written = [w for item in batch if (w := _written(item)) is not None]
        outcomes_only: list[Line | Ending] = [
            w for w in written if isinstance(w, Ending)
        ]
        unsent = [written]

        def write(conn: Connection) -> list[tuple[Any, ...]]:
            # Lines go with the first attempt only.
            return self._write_batch(conn, unsent.pop() if unsent else outcomes_only)

        try:
            rows = store("", None, self._retry, self._stop, write, pool=self._pool)
        except psycopg.Error as error:
            log.error("cannot store outcomes: %s", error, extra={"action": "store"})
            rows, failure = None, str(error).strip() or type(error).__name__
            for item in pending:
                item.failure = failure
        for item_number, retry_id, failure in rows or []:
            self._settle(lines, pending, item_number, retry_id, failure)
        for item in waiting:
            item.done.set()

    def _settle(
        self,
        lines: list[Line],
        pending: list[_Pending],
        item_number: int,
        retry_id: int | None,
        failure: str | None,
    ) -> None:
        if item_number < 0:
            line = lines[-item_number - 1]
            log.error(
                "cannot write a log line of import %d: %s",
                line.import_id,
                failure,
                extra={"import_id": line.import_id, "action": "log-failed"},
            )
            return
        written = pending[item_number - 1]
        written.retry_id = None if retry_id is None else int(retry_id)
        written.failure = failure


def _written(item: _Item) -> Line | Ending | None:
    """What of an item goes to the database: a line, or an outcome; a
    flush writes nothing of its own."""
    return item if isinstance(item, Line) else item.ending


def write_batch(conn: Connection, items: list[Line | Ending]) -> list[tuple[Any, ...]]:
    """Writes lines and outcomes, given in the order they came, in one
    transaction (import.store_batch)."""
    lines: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    for at, item in enumerate(items):
        if isinstance(item, Line):
            lines.append(
                {
                    "at": at,
                    "import_id": item.import_id,
                    "level": item.level,
                    "msg": item.message,
                }
            )
        else:
            outcomes.append(_outcome_fields(at, item))
    batch = {"lines": lines, "outcomes": outcomes}
    params = {"batch": json.dumps(batch, ensure_ascii=False)}
    return conn.execute(_Q["store_batch"], params).fetchall()


def _outcome_fields(at: int, ending: Ending) -> dict[str, Any]:
    return {
        "at": at,
        "target": ending.target,
        "holder": ending.holder,
        "drop_it": ending.remove,
        "state": ending.state,
        "summary": ending.summary,
        "log_to": ending.log_to,
        "levels": [level for level, _ in ending.lines],
        "messages": [message for _, message in ending.lines],
        "again": ending.retry,
        "tries": ending.tries,
        "wait": None if ending.wait is None else _iso_interval(ending.wait),
    }


def _iso_interval(wait: timedelta) -> str:
    """An interval as PostgreSQL reads it, exactly: days, and seconds."""
    seconds = wait - timedelta(days=wait.days)
    return f"P{wait.days}DT{seconds.total_seconds():.6f}S"
