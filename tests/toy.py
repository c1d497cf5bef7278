"""Toy import kinds for engine tests: their data says what they do."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from gemma_tui.db import Connection
from gemma_tui.errors import BadJobData
from gemma_tui.queue.kinds import Feedback, Job, Kind, Registry, Unchanged

# Tests hold these to keep a `block` job running until released.
gates: dict[str, threading.Event] = {}
cleaned: list[str] = []


class ToyJob(Job):
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        action = self.data.get("action", "ok")
        feedback.info(f"toy {action}")
        for label in self.data.get("stage", []):
            stage(conn, import_id, label)
        if action == "block":
            gates[self.data["gate"]].wait(timeout=30)
        if action == "sleep":
            time.sleep(float(self.data.get("seconds", 0.2)))
        if action == "hold":
            hold(Path(self.data["while"]))
        if action == "fail":
            raise RuntimeError(self.data.get("message", "toy failure"))
        if action == "unchanged":
            raise Unchanged("toy saw nothing new")
        if action == "warn":
            feedback.warn("toy warning")
        return {"action": action, "staged": len(self.data.get("stage", []))}

    def cleanup(self) -> None:
        label = self.data.get("label", "")
        cleaned.append(label)
        if self.data.get("cleanup") == "fail":
            raise RuntimeError("toy cleanup failure")


def hold(marker: Path, limit: float = 30.0) -> None:
    """Waits while `marker` exists: a gate that works across processes."""
    deadline = time.monotonic() + limit
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def stage(conn: Connection, import_id: int, label: str) -> None:
    conn.execute(
        "WITH row AS (INSERT INTO toy.items (label) VALUES (%s) RETURNING id)"
        " INSERT INTO import.track_imports (import_id, relation, key)"
        " SELECT %s, 'toy.items'::regclass, id FROM row",
        (label, import_id),
    )


class ToyKind(Kind):
    name = "toy"
    description = "Toy import"
    exclusive: ClassVar[tuple[str, ...]] = ("toys",)
    shared: ClassVar[tuple[str, ...]] = ("gauges",)

    def create(self, data: Any) -> Job:
        if not isinstance(data, dict):
            raise BadJobData("toy data must be an object")
        return ToyJob(data)

    def stage_done(self, conn: Connection, import_id: int, feedback: Feedback) -> None:
        conn.execute(
            "UPDATE toy.items SET staging_done = true WHERE id IN ("
            "SELECT key FROM import.track_imports WHERE import_id = %s"
            " AND relation = 'toy.items'::regclass)",
            (import_id,),
        )
        feedback.info("toy published")


class ReaderKind(ToyKind):
    """Shares what ToyKind's jobs take exclusively... and the reverse."""

    name = "reader"
    description = "Toy reader"
    exclusive = ()
    shared = ("toys",)


class OtherKind(ToyKind):
    name = "other"
    description = "Toy import on disjoint data"
    exclusive = ("others",)
    shared = ()


class AutoKind(ToyKind):
    name = "auto"
    description = "Toy import that needs no review"
    exclusive = ("autos",)
    shared = ()
    auto_accept = True


def main(dsn: str, max_running: int = 4) -> None:
    """Runs a runner of the toy kinds until SIGTERM; for tests that kill it."""
    import signal

    from gemma_tui.queue.runner import Runner, RunnerSettings

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda number, frame: stop.set())
    settings = RunnerSettings(
        poll_interval=0.05, recover_interval=0.1, max_running=max_running
    )
    Runner(dsn, registry(), settings).run(stop)


def registry() -> Registry:
    return Registry([ToyKind(), ReaderKind(), OtherKind(), AutoKind()])


if __name__ == "__main__":
    import sys

    main(sys.argv[1], *(int(arg) for arg in sys.argv[2:3]))
