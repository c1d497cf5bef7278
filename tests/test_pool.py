"""The runner's connection pool: reuse without leaks between jobs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
import pytest

from gemma_tui.db import Connection
from gemma_tui.db.pool import Pool
from gemma_tui.queue import imports
from gemma_tui.queue.kinds import Feedback, Job, Kind, Registry
from tests.engine import FAST, column, running, settled, wait_until


class LeakyJob(Job):
    """Leaves what it can in its session, and reports what it found there;
    told to die, it closes its connection under the runner's feet."""

    def __init__(self, die: bool) -> None:
        self.die = die

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        if self.die:
            conn.close()
            return None
        found = {
            "user": column(conn, "SELECT current_user"),
            "note": column(conn, "SELECT current_setting('gemma.note', true)"),
            "temp": column(conn, "SELECT to_regclass('pg_temp.leftover') IS NOT NULL"),
            "backend": column(conn, "SELECT pg_backend_pid()"),
        }
        conn.execute("SET gemma.note = 'left behind'")
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS leftover (x int)")
        conn.execute("PREPARE leftover_plan AS SELECT 1")
        return found


class LeakyKind(Kind):
    name = "leaky"
    description = "Leaves session state behind"

    def create(self, data: Any) -> Job:
        return LeakyJob(bool(data.get("die")))


def summary(conn: Connection, import_id: int) -> Any:
    row, _ = imports.get_import(conn, import_id)
    return row.summary


def test_a_reused_job_connection_keeps_nothing_of_the_job_before(
    dsn: str, conn: Connection
) -> None:
    """Jobs of different users, one after the other on the same connection:
    each runs as its own user and finds no setting, temporary table or
    prepared statement of the job before."""
    registry = Registry([LeakyKind()])
    one_slot = replace(FAST, max_running=1)
    ids = [
        imports.enqueue(conn, registry, "leaky", "{}", user=user)
        for user in ("alice", "bob", "alice")
    ]
    with running(dsn, registry, one_slot):
        wait_until(lambda: settled(conn, *ids))
    found = [summary(conn, import_id) for import_id in ids]
    assert [f["user"] for f in found] == ["alice", "bob", "alice"]
    assert len({f["backend"] for f in found}) == 1, "the connection was not reused"
    # A placeholder setting, once set, reads '' after a reset.
    assert [(f["note"] or None, f["temp"]) for f in found] == [(None, False)] * 3


def test_a_job_that_broke_its_connection_leaves_it_out_of_the_pool(
    dsn: str, conn: Connection
) -> None:
    """A job whose connection died fails (it does not hang as running); the
    next job gets a new connection."""
    registry = Registry([LeakyKind()])
    one_slot = replace(FAST, max_running=1)
    ids = [
        imports.enqueue(conn, registry, "leaky", data, user="alice")
        for data in ('{"die": false}', '{"die": true}', '{"die": false}')
    ]
    with running(dsn, registry, one_slot):
        states = wait_until(lambda: settled(conn, *ids))
    assert list(states.values()) == ["pending", "failed", "pending"]
    backends = [summary(conn, ids[0])["backend"], summary(conn, ids[2])["backend"]]
    assert backends[0] != backends[1]


def test_the_pool_keeps_only_healthy_connections_up_to_its_size(dsn: str) -> None:
    """A connection handed back is kept while there is room; one that saw an
    error is closed; a connection error empties the pool."""
    prepared: list[int] = []
    pool = Pool(dsn, 2, prepare=lambda c: prepared.append(c.info.backend_pid))
    first, second, third = pool.take(), pool.take(), pool.take()
    for conn in (first, second, third):
        pool.give_back(conn)
    assert third.closed and not first.closed and not second.closed
    with pool.connection() as again:
        assert again in (first, second)
    with pytest.raises(psycopg.errors.DivisionByZero), pool.connection() as failing:
        failing.execute("SELECT 1 / 0")
    assert failing.closed
    with (
        pytest.raises(psycopg.OperationalError),
        pool.connection() as lost,
    ):
        lost.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    kept = pool.take()
    assert kept not in (first, second) and len(prepared) == 4
    pool.close()
    pool.give_back(kept)
    assert kept.closed
