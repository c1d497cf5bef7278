"""The runner's worker threads: reused, bounded, and ended on close."""

from __future__ import annotations

import threading
from functools import partial

from gemma_tui.queue.workers import Workers
from tests.engine import wait_until


def threads_named(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_workers_run_tasks_on_at_most_their_size_of_threads() -> None:
    """Five tasks on two workers: two run at once, all five run, on the same
    two threads; closing ends them."""
    workers = Workers("bounded", 2)
    gate = threading.Event()
    started: list[str] = []
    lock = threading.Lock()

    def task() -> None:
        with lock:
            started.append(threading.current_thread().name)
        gate.wait(timeout=10)

    for _ in range(5):
        workers.submit(task)
    wait_until(lambda: len(started) == 2)
    assert len(threads_named("bounded-")) == 2
    gate.set()
    wait_until(lambda: len(started) == 5)
    assert set(started) == {"bounded-1", "bounded-2"}
    workers.close()
    wait_until(lambda: not threads_named("bounded-"))


def test_a_failing_task_keeps_its_thread() -> None:
    """A task that raises is logged; its thread runs the next task."""
    workers = Workers("sturdy", 1)
    ran = threading.Event()

    def fail() -> None:
        raise RuntimeError("boom")

    workers.submit(fail)
    workers.submit(ran.set)
    assert ran.wait(timeout=10)
    assert [t.name for t in threads_named("sturdy-")] == ["sturdy-1"]
    workers.close()


def hold(gate: threading.Event) -> None:
    gate.wait(timeout=10)


def test_a_task_never_waits_behind_another_while_a_thread_is_free() -> None:
    """Two tasks given at once to workers with one idle thread and room
    for one more: the second runs while the first still blocks, however
    late the idle thread wakes to take the first."""
    for attempt in range(20):
        workers = Workers(f"free{attempt}", 2)
        warmed = threading.Event()
        workers.submit(warmed.set)
        wait_until(warmed.is_set)
        gate = threading.Event()
        second = threading.Event()
        workers.submit(partial(hold, gate))
        workers.submit(second.set)
        try:
            assert second.wait(timeout=5), f"attempt {attempt}"
        finally:
            gate.set()
            workers.close()
