"""Helpers for engine tests: a runner in a thread, bounded waits, and reads.

Every wait polls the database with a deadline; nothing sleeps for a fixed
time hoping that the runner has got somewhere.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gemma_tui.db import Connection
from gemma_tui.queue import imports
from gemma_tui.queue.events import ImportStarted, RunnerEvent
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.runner import Runner, RunnerSettings
from gemma_tui.queue.store import StoreRetry
from tests import toy

T = TypeVar("T")

FAST = RunnerSettings(
    poll_interval=0.05,
    drain_grace=2.0,
    store_retry=StoreRetry(attempts=3, first_wait=0.05, longest_wait=0.2),
)
REGISTRY = toy.registry()
UNSETTLED = ("queued", "running", "reviewed")


@dataclass
class Handle:
    """A runner at work in a thread, and what it reported so far."""

    runner: Runner
    events: list[RunnerEvent] = field(default_factory=list)

    def started(self) -> list[int]:
        """The imports it started, in the order it claimed them."""
        return [e.import_id for e in self.events if isinstance(e, ImportStarted)]


@contextmanager
def running(
    dsn: str, registry: Registry = REGISTRY, settings: RunnerSettings = FAST
) -> Iterator[Handle]:
    """A runner in a thread for the duration of the block."""
    stop = threading.Event()
    handle = Handle(Runner(dsn, registry, settings))
    handle.runner.report = handle.events.append
    thread = threading.Thread(target=handle.runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield handle
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the runner did not stop"


@contextmanager
def gates(*names: str) -> Iterator[dict[str, threading.Event]]:
    """Gates that hold `block` jobs; all of them open when the block ends."""
    events = {name: threading.Event() for name in names}
    toy.gates.update(events)
    try:
        yield events
    finally:
        for event in events.values():
            event.set()


def wait_until(check: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Polls `check` until it returns something truthy, at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s")
        time.sleep(0.02)


def submit(
    conn: Connection,
    data: dict[str, Any],
    kind: str = "toy",
    *,
    user: str = "alice",
    due: datetime | None = None,
    tries: int | None = None,
    retry_wait: timedelta | None = None,
    send_email: bool = False,
) -> int:
    """Enqueues a toy import as `user`; returns its id."""
    return imports.enqueue(
        conn,
        REGISTRY,
        kind,
        json.dumps(data),
        user=user,
        due=due,
        tries=tries,
        retry_wait=retry_wait,
        send_email=send_email,
    )


def state_of(conn: Connection, import_id: int) -> str | None:
    row = conn.execute(
        "SELECT state::text FROM import.imports WHERE id = %s", (import_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def states(conn: Connection, *ids: int) -> dict[int, str | None]:
    return {import_id: state_of(conn, import_id) for import_id in ids}


def settled(conn: Connection, *ids: int) -> dict[int, str | None] | None:
    """The imports' states once none of them waits or runs any more."""
    found = states(conn, *ids)
    return None if any(s in UNSETTLED for s in found.values()) else found


def in_state(conn: Connection, state: str, *ids: int) -> bool:
    return all(state_of(conn, import_id) == state for import_id in ids)


def run_until_settled(
    dsn: str, conn: Connection, *ids: int, registry: Registry = REGISTRY
) -> dict[int, str | None]:
    with running(dsn, registry):
        return wait_until(lambda: settled(conn, *ids))


def log_of(conn: Connection, import_id: int) -> list[tuple[str, str]]:
    return [(line.level, line.message) for line in imports.logs_of(conn, import_id)]


def column(conn: Connection, query: str, *params: Any) -> Any:
    """The first column of the first row of `query`."""
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def count(conn: Connection, table: str, where: str = "true", *params: Any) -> int:
    return int(column(conn, f"SELECT count(*) FROM {table} WHERE {where}", *params))


def queued_after(conn: Connection, import_id: int) -> list[dict[str, Any]]:
    """Imports enqueued after `import_id`, oldest first, as dictionaries."""
    cursor = conn.execute(
        "SELECT id, state::text, kind, username, send_email, data, trys_left,"
        " retry_wait, due, enqueued FROM import.imports WHERE id > %s ORDER BY id",
        (import_id,),
    )
    names = [d.name for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def moved(dsn: str, directory: Path) -> tuple[str, Path, Path]:
    """The DSN with its socket directory moved to `directory`, the server's
    socket, and where a link to it makes the server reachable there."""
    parts = conninfo_to_dict(dsn)
    socket = Path(str(parts["host"])) / f".s.PGSQL.{parts.get('port') or 5432}"
    parts["host"] = str(directory)
    shown = {key: value for key, value in parts.items() if value is not None}
    return make_conninfo("", **shown), socket, directory / socket.name
