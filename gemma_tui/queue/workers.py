"""Threads that run imports, kept for the next import instead of ended.

Starting a thread costs about as much as a round trip to the server, so a
runner keeps the threads its imports ran on. They are daemon threads: an
import stuck past the drain grace must not keep the process from exiting.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Task = Callable[[], None]


class Workers:
    """Runs tasks on up to `size` daemon threads, started as tasks come.

    A task submitted while all of them are busy waits for the first to be
    free; the runner submits no more tasks than it has slots, so it waits
    at most for the tail of an import that has just ended.
    """

    def __init__(self, name: str, size: int) -> None:
        self._name = name
        self._size = size
        self._tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a task
        self._queued = 0  # tasks no thread has taken yet
        self._started = 0
        self._closed = False

    def submit(self, task: Task) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the workers are closed")
            self._queued += 1
            # A thread counts as idle until it has taken a task: one that
            # is about to take the task before this one is no free thread.
            if self._idle < self._queued and self._started < self._size:
                self._started += 1
                self._start(self._started)
        self._tasks.put(task)

    def close(self) -> None:
        """Ends each thread once it is idle; running tasks run to their end."""
        with self._lock:
            self._closed = True
            threads = self._started
        for _ in range(threads):
            self._tasks.put(None)

    def _start(self, number: int) -> None:
        thread = threading.Thread(
            target=self._work, name=f"{self._name}-{number}", daemon=True
        )
        thread.start()

    def _work(self) -> None:
        while True:
            # Idle is exactly the time spent waiting for a task.
            with self._lock:
                self._idle += 1
            task = self._tasks.get()
            with self._lock:
                self._idle -= 1
                if task is not None:
                    self._queued -= 1
            if task is None:
                return
            try:
                task()
            except Exception:  # a task's bug must not take its thread down
                log.exception("a worker's task failed")
