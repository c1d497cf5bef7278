"""What the bench's child processes run: runners, and bare SQL clients.

Both start from multiprocessing's spawn, so they share nothing with the
parent but their arguments. They leave ctrl+c to the parent, which stops
them itself.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from multiprocessing.connection import wait
from types import FrameType
from typing import Any

from gemma_tui.bench.kinds import kind_names, registry
from gemma_tui.db import connect
from gemma_tui.db.queries import load
from gemma_tui.queue.runner import Runner, RunnerSettings

_Q = load("bench")


def run_runner(dsn: str, concurrency: int, kinds: int) -> None:
    """A runner of the bench kinds, until SIGTERM."""
    stop = threading.Event()

    def on_term(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_term)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_stop_when_gone, args=(parent.sentinel, stop), daemon=True
        ).start()
    settings = RunnerSettings(max_running=concurrency)
    Runner(dsn, registry(kinds), settings).run(stop)


def _stop_when_gone(parent: int, stop: threading.Event) -> None:
    """Stops the runner once the bench that started it has ended, however
    it ended (killed, say): a runner left behind would claim for ever."""
    wait([parent])
    stop.set()


def run_bare_client(dsn: str, kinds: int, ready: Any) -> None:
    """Claims, logs and finishes bench imports with plain SQL until none is
    left; each step commits on its own, as in the runner."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    names = kind_names(kinds)
    with connect(dsn) as conn:
        ready.wait()
        while True:
            row = conn.execute(_Q["bare_claim"], {"kinds": names}).fetchone()
            if row is None:
                return
            conn.execute(_Q["bare_log"], {"id": row[0]})
            conn.execute(_Q["bare_finish"], {"id": row[0]})
