"""Running a real runner inside a test, and waiting for the database."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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


def start_toy_runner(
    dsn: str, max_running: int = 4, kinds: str = "toy"
) -> subprocess.Popen[bytes]:
    """A runner of the toy kinds (or, given "spans", the span kinds) in a
    process of its own (tests/toy.py)."""
    root = Path(__file__).resolve().parents[1]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.toy", dsn, str(max_running), kinds],
        cwd=root,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def toy_runners(
    dsn: str, count: int, max_running: int = 4, kinds: str = "toy"
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` runner processes, stopped (or killed) when the block ends."""
    processes = [start_toy_runner(dsn, max_running, kinds) for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
