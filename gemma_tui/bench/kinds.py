"""The no-op import kinds the bench runs.

Each bench import writes one log line and returns a summary; a timed one
(its data says so) first reads when it was claimed and when it started,
and returns both times. Its kind locks one resource exclusively and one
shared, from sets large enough that the locks rarely make a runner wait:
the bench measures the queue, not the contention.
"""

from __future__ import annotations

from typing import Any, ClassVar

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.queue.kinds import Feedback, Job, Kind, Registry

_Q = load("bench")

SHARED_RESOURCES = 4


class NoopJob(Job):
    def __init__(self, timed: bool) -> None:
        self.timed = timed

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        if not self.timed:
            feedback.info("no-op")
            return {"timed": False}
        row = conn.execute(_Q["job_times"], {"id": import_id}).fetchone()
        if row is None:
            raise GemmaError(f"bench import #{import_id} is gone")
        feedback.info("no-op")
        return {"claimed": row[0].isoformat(), "started": row[1].isoformat()}


class NoopKind(Kind):
    name: ClassVar[str] = "bench"
    description = "No-op bench import"
    auto_accept = True

    def create(self, data: Any) -> Job:
        return NoopJob(isinstance(data, dict) and data.get("timed") is True)


def kind_names(count: int) -> list[str]:
    return [f"bench_{number:03d}" for number in range(count)]


def registry(count: int) -> Registry:
    """`count` no-op kinds: kind i locks bench-x-i exclusively and one of
    SHARED_RESOURCES shared resources."""
    kinds: list[Kind] = []
    for number, name in enumerate(kind_names(count)):
        attributes = {
            "name": name,
            "exclusive": (f"bench-x-{number}",),
            "shared": (f"bench-s-{number % SHARED_RESOURCES}",),
        }
        kind: Kind = type(f"Noop{number}", (NoopKind,), attributes)()
        kinds.append(kind)
    return Registry(kinds)
