"""Faults that happen for real: a runner process killed mid-import."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from datetime import timedelta
from functools import partial
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


def terminate_others(conn: Connection) -> int:
    """Ends every other session of this database, as a server restart would."""
    return count(
        conn,
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid)"
        " FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()) AS ended",
    )


def test_connections_cut_again_and_again_lose_and_double_nothing(
    dsn: str, conn: Connection
) -> None:
    """Every session of the runner (claims, jobs, log lines, state writes)
    is cut every 150 ms while 40 imports run. Each import ends exactly once:
    pending with its own two staged rows (a cut run is retried or re-queued
    and starts over), or failed with its reason; none is left running or
    queued, and no staged row is left without a pending import."""
    ids = [
        imports.enqueue(
            conn,
            toy.registry(),
            "toy",
            json.dumps({"action": "sleep", "seconds": 0.05, "stage": [f"x{n}", "y"]}),
            user="alice",
            tries=20,
            retry_wait=timedelta(seconds=5),
        )
        for n in range(40)
    ]
    cut = 0
    with running(dsn, toy.registry()):
        deadline = time.monotonic() + 120
        while not settled(conn, *ids) and time.monotonic() < deadline:
            cut += terminate_others(conn)
            time.sleep(0.15)
            # Retries are due 5 s later; bring them forward to keep it short.
            conn.execute("UPDATE import.imports SET due = now() WHERE state = 'queued'")
        finals = wait_until(lambda: settled(conn, *chain(conn, ids)), timeout=60)
    assert cut > 0
    assert set(finals.values()) <= {"pending", "failed"}
    pending = [i for i, state in finals.items() if state == "pending"]
    assert len(pending) == len(ids)  # one pending import per submission
    staged = count(
        conn,
        "SELECT count(*) FROM import.track_imports t JOIN import.imports i"
        " ON i.id = t.import_id WHERE i.state = 'pending'",
    )
    assert staged == 2 * len(pending)
    assert count(conn, "SELECT count(*) FROM toy.items") == staged
    assert (
        count(
            conn,
            "SELECT count(*) FROM import.imports WHERE state IN ('running', 'queued')",
        )
        == 0
    )


def chain(conn: Connection, ids: list[int]) -> list[int]:
    """The submitted imports and every retry queued for them."""
    rows = conn.execute("SELECT id FROM import.imports ORDER BY id").fetchall()
    return [int(row[0]) for row in rows] or ids


def runs_begun(conn: Connection) -> int:
    """Runs of toy sleep imports begun so far, by any runner."""
    return count(
        conn, "SELECT count(*) FROM import.import_logs WHERE msg = 'toy sleep'"
    )


def runs_begun_since(conn: Connection, before: int) -> bool:
    return runs_begun(conn) > before


def test_runners_killed_at_random_points_lose_and_repeat_nothing(
    dsn: str, conn: Connection
) -> None:
    """200 imports; five runner processes in turn, each killed with SIGKILL
    a random 0 to 0.6 s after it began running imports (its start-up time
    depends on the machine's load); then a last runner finishes the rest.
    Every import ends pending with exactly its own staged row; an import
    ran again only after a kill re-queued it, never after it had finished;
    no import is left running and no dependency lock is left held."""
    ids = [
        imports.enqueue(
            conn,
            toy.registry(),
            "toy",
            json.dumps({"action": "sleep", "seconds": 0.02, "stage": [f"r{n}"]}),
            user="alice",
        )
        for n in range(200)
    ]
    chance = random.Random(20261204)
    for _ in range(5):
        before = runs_begun(conn)
        process = start_toy_runner(dsn)
        wait_until(partial(runs_begun_since, conn, before), timeout=60)
        time.sleep(chance.uniform(0.0, 0.6))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with running(dsn, toy.registry()):
        finals = wait_until(lambda: settled(conn, *ids), timeout=120)
    assert set(finals.values()) == {"pending"}
    assert count(conn, "SELECT count(*) FROM toy.items") == len(ids)
    owners = count(
        conn,
        "SELECT count(DISTINCT import_id) FROM import.track_imports"
        " WHERE import_id = ANY(%s)",
        ids,
    )
    assert owners == len(ids)
    # Runs of an import: its first, plus one per re-queue; never more.
    runs = conn.execute(
        "SELECT import_id, count(*) FILTER (WHERE msg = 'toy sleep'),"
        " count(*) FILTER (WHERE msg LIKE 'Re-queued%%')"
        " FROM import.import_logs WHERE import_id = ANY(%s) GROUP BY import_id",
        (ids,),
    ).fetchall()
    assert all(ran <= requeued + 1 for _, ran, requeued in runs), runs
    assert sum(requeued for _, _, requeued in runs) > 0  # the kills did hit
    assert count(conn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0


def test_a_runner_killed_while_carrying_out_a_decision_loses_nothing(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """SIGKILL while the review import runs: the decision stands, the next
    runner carries it out exactly once (one signer, one log line, the
    staged row published once)."""
    marker = tmp_path / "hold-review"
    data = {"action": "ok", "stage": ["kept"], "hold_review": str(marker)}
    target = imports.enqueue(conn, toy.registry(), "toy", json.dumps(data), user="bob")
    with running(dsn, toy.registry()):
        wait_until(lambda: settled(conn, target))
    review = imports.decide(conn, toy.registry(), target, True, reviewer="rita")
    marker.touch()
    process = start_toy_runner(dsn)
    try:
        wait_until(lambda: state_of(conn, review) == "running")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert state_of(conn, target) == "reviewed"
    marker.unlink()
    with running(dsn, toy.registry()):
        outcome = wait_until(lambda: imports.review_outcome(conn, target, review))
    assert outcome == "accepted"
    accepted = [
        line.message
        for line in imports.logs_of(conn, target)
        if "accepted import" in line.message
    ]
    assert accepted == [f"User 'rita' accepted import {target}."]
    published = "SELECT count(*) FROM toy.items WHERE staging_done"
    assert count(conn, published) == 1
