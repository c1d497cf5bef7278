"""What a runner reports while it works.

The runner calls a report function with these; a host (the console, the
headless runner) decides what to do with them. They carry plain data only.
"""

from __future__ import annotations

from dataclasses import dataclass

from gemma_tui.queue.locks import Holding


@dataclass(frozen=True, slots=True)
class RunnerStarted:
    requeued: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ImportStarted:
    import_id: int
    kind: str
    username: str


@dataclass(frozen=True, slots=True)
class ImportFinished:
    import_id: int
    kind: str
    # The final state; for a review import, the decision it carried out.
    state: str
    retry_id: int | None


@dataclass(frozen=True, slots=True)
class ImportsRequeued:
    """Imports found running for no live runner, queued again."""

    import_ids: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class LocksChanged:
    holdings: tuple[Holding, ...]


@dataclass(frozen=True, slots=True)
class RunnerTrouble:
    """The runner could not reach the database; it keeps trying."""

    message: str


@dataclass(frozen=True, slots=True)
class RunnerPaused:
    """The runner stopped (`paused`) or went back to (not `paused`) taking
    new imports; those running go on either way."""

    paused: bool
    by: str  # who asked, for the record


@dataclass(frozen=True, slots=True)
class RunnerStopped:
    unfinished: tuple[int, ...]


RunnerEvent = (
    RunnerStarted
    | ImportStarted
    | ImportFinished
    | ImportsRequeued
    | LocksChanged
    | RunnerTrouble
    | RunnerPaused
    | RunnerStopped
)
