"""Running a real runner inside a test, and waiting for the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from gemma_tui.db import Connection
from gemma_tui.queue.events import RunnerEvent
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.runner import Runner, RunnerSettings
from gemma_tui.queue.store import StoreRetry

T = TypeVar("T")

FAST = RunnerSettings(
    poll_interval=0.05,
    drain_grace=2.0,
    store_retry=StoreRetry(attempts=3, first_wait=0.05, longest_wait=0.2),
)


@contextmanager
def running(
    dsn: str, registry: Registry, settings: RunnerSettings = FAST
) -> Iterator[list[RunnerEvent]]:
    """A runner in a thread for the duration of the block; yields its events."""
    events: list[RunnerEvent] = []
    stop = threading.Event()
    runner = Runner(dsn, registry, settings, report=events.append)
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield events
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the runner did not stop"


def wait_until(check: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Polls `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting after {timeout} s")


def state_of(conn: Connection, import_id: int) -> str | None:
    row = conn.execute(
        "SELECT state::text FROM import.imports WHERE id = %s", (import_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def settled(conn: Connection, *ids: int) -> dict[int, str] | None:
    """Every import's state once none of them is queued or running."""
    states = {i: state_of(conn, i) for i in ids}
    if any(s in ("queued", "running", "reviewed") for s in states.values()):
        return None
    return {i: s for i, s in states.items() if s is not None}
