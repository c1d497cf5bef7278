"""Toy import kinds for engine tests: their data says what they do."""

from __future__ import annotations

import json
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
        # {"hold_review": PATH} keeps the review running while PATH exists.
        row = conn.execute(
            "SELECT data FROM import.imports WHERE id = %s", (import_id,)
        ).fetchone()
        marker = json.loads(row[0] or "{}").get("hold_review") if row else None
        if isinstance(marker, str):
            hold(Path(marker))
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


class CsvKind(ToyKind):
    """Takes only job data naming a `.csv` file (it never reads it)."""

    name = "csv"
    description = "Toy import of a CSV file"
    exclusive = ("csvs",)
    shared = ()

    def create(self, data: Any) -> Job:
        named = data.get("file") if isinstance(data, dict) else None
        if not isinstance(named, str) or not named.endswith(".csv"):
            raise BadJobData(f"{named!r} is not a .csv file")
        return ToyJob({})


class SpanJob(Job):
    """Records, from inside the job, when it ran: the span lies within the
    time its runner held the kind's dependency locks."""

    def __init__(self, kind: str, pause: float) -> None:
        self.kind = kind
        self.pause = pause

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
        assert row is not None
        time.sleep(self.pause)
        conn.execute(
            "INSERT INTO toy.spans (import_id, kind, started, ended)"
            " VALUES (%s, %s, %s, clock_timestamp())",
            (import_id, self.kind, row[0]),
        )
        return {"kind": self.kind}


class SpanKind(Kind):
    name = "span"
    description = "Toy import that records its span"
    auto_accept = True

    def create(self, data: Any) -> Job:
        pause = float(data.get("pause", 0)) if isinstance(data, dict) else 0.0
        return SpanJob(self.name, pause)


# Overlapping dependencies over the resources r0 to r3.
class SpanA(SpanKind):
    name = "span_a"
    exclusive = ("r0",)
    shared = ("r1",)


class SpanB(SpanKind):
    name = "span_b"
    exclusive = ("r1",)
    shared = ("r2",)


class SpanC(SpanKind):
    name = "span_c"
    exclusive = ()
    shared = ("r0", "r2")


class SpanD(SpanKind):
    name = "span_d"
    exclusive = ("r2", "r3")
    shared = ()


class SpanE(SpanKind):
    name = "span_e"
    exclusive = ()
    shared = ("r1", "r3")


def span_registry() -> Registry:
    return Registry([SpanA(), SpanB(), SpanC(), SpanD(), SpanE()])


def main(dsn: str, max_running: int = 4, kinds: str = "toy") -> None:
    """Runs a runner of the toy kinds (or, given "spans", the span kinds)
    until SIGTERM; for tests that run runners as processes."""
    import signal

    from gemma_tui.queue.runner import Runner, RunnerSettings

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda number, frame: stop.set())
    settings = RunnerSettings(
        poll_interval=0.05, recover_interval=0.1, max_running=max_running
    )
    chosen = span_registry() if kinds == "spans" else registry()
    Runner(dsn, chosen, settings).run(stop)


def registry() -> Registry:
    return Registry([ToyKind(), ReaderKind(), OtherKind(), AutoKind()])


if __name__ == "__main__":
    import sys

    # DSN [MAX_RUNNING [KINDS]]
    given = sys.argv[1:]
    defaults = ["", "4", "toy"]
    dsn, max_running, kinds = given + defaults[len(given) :]
    main(dsn, int(max_running), kinds)
