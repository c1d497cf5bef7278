"""Faults that happen for real: a runner process killed mid-import."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from gemma_tui.db import Connection
from gemma_tui.queue import imports
from tests import toy
from tests.running import running, settled, start_toy_runner, state_of, wait_until


def count(conn: Connection, query: str, *params: object) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


def test_a_killed_runner_loses_nothing(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """kill -9 mid-import: the next runner queues it again once, with a log
    line; its locks are free, its half-staged rows gone, and it finishes."""
    marker = tmp_path / "hold"
    marker.touch()
    data = {"action": "hold", "while": str(marker), "stage": ["a", "b"]}
    held = imports.enqueue(conn, toy.registry(), "toy", json.dumps(data), user="alice")
    other = imports.enqueue(conn, toy.registry(), "other", "{}", user="bob")
    process = start_toy_runner(dsn)
    try:
        wait_until(lambda: state_of(conn, held) == "running")
        wait_until(lambda: state_of(conn, other) == "pending")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert state_of(conn, held) == "running"
    marker.unlink()
    with running(dsn, toy.registry()) as events:
        assert wait_until(lambda: settled(conn, held)) == {held: "pending"}
    requeued = [
        line.message
        for line in imports.logs_of(conn, held)
        if line.message.startswith("Re-queued")
    ]
    assert requeued == ["Re-queued: the runner stopped while this import ran."]
    assert count(conn, "SELECT count(*) FROM toy.items") == 2
    assert count(conn, "SELECT count(*) FROM import.imports") == 2
    assert any(getattr(event, "requeued", None) == (held,) for event in events)
