"""How many imports a runner runs at once, and how it shares its slots
between kinds: one kind's backlog starves neither another kind nor review
imports."""

from __future__ import annotations

import os
from dataclasses import replace

from gemma_tui.db import Connection
from gemma_tui.queue import imports
from gemma_tui.queue.runner import RunnerSettings
from tests.engine import (
    FAST,
    REGISTRY,
    gates,
    in_state,
    running,
    settled,
    state_of,
    submit,
    wait_until,
)

FOUR = replace(FAST, max_running=4)
OK = {"action": "ok"}


def test_a_runner_runs_as_many_imports_as_there_are_cpus_by_default() -> None:
    """The default concurrency is the machine's CPU count."""
    assert RunnerSettings().max_running == os.cpu_count()


def test_a_backlog_of_one_kind_starves_neither_reviews_nor_other_kinds(
    dsn: str, conn: Connection
) -> None:
    """Four slots, all taken by a backlog of one kind (nothing else waited
    when they were filled). When one slot frees, a review import comes next,
    then an import of another kind enqueued after the whole backlog, and
    only then, with nothing else waiting, the rest of the backlog."""
    names = [f"backlog-{number}" for number in range(6)]
    with running(dsn, settings=FOUR) as handle, gates(*names) as gate:
        decided = submit(conn, OK, "reader")
        wait_until(lambda: settled(conn, decided))
        backlog = [
            submit(conn, {"action": "block", "gate": name}, "reader") for name in names
        ]
        wait_until(lambda: in_state(conn, "running", *backlog[:4]))
        other = submit(conn, OK, "other")
        review = imports.decide(conn, REGISTRY, decided, True, reviewer="rita")
        assert state_of(conn, other) == "queued"
        gate[names[0]].set()
        wait_until(lambda: settled(conn, other))
        assert handle.started()[5:7] == [review, other]
        for event in gate.values():
            event.set()
        wait_until(lambda: settled(conn, *backlog, decided))
    assert handle.started()[7:] == backlog[4:]
    assert state_of(conn, decided) == "accepted"
