"""Several runners on one database (contract §5 and §9): each records
itself and the imports it holds, and recovery takes back only the imports
of runners that are gone."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gemma_tui.db import Connection
from gemma_tui.queue.events import RunnerStarted
from gemma_tui.queue.runners import runners
from tests.cli import gemma
from tests.engine import (
    FAST,
    column,
    gates,
    in_state,
    log_of,
    running,
    settled,
    state_of,
    submit,
    wait_until,
)
from tests.running import toy_runners

# Recovery looks for runners that are gone many times within a test.
EAGER = replace(FAST, recover_interval=0.05)
REQUEUED = "Re-queued: the runner stopped while this import ran."
LATER = timedelta(minutes=5)


@pytest.fixture
def keeper(conn: Connection) -> str:
    """A plain role (no superuser) that may keep the queue's books."""
    conn.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles"
        " WHERE rolname = 'runner_keeper') THEN CREATE ROLE runner_keeper;"
        " END IF; END $$;"
        "GRANT USAGE ON SCHEMA import TO runner_keeper;"
        "GRANT ALL ON ALL TABLES IN SCHEMA import TO runner_keeper;"
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA import TO runner_keeper;"
    )
    return "runner_keeper"


def runner_of(conn: Connection, import_id: int) -> int | None:
    value = column(conn, "SELECT runner FROM import.imports WHERE id = %s", import_id)
    return None if value is None else int(value)


def requeue_lines(conn: Connection, import_id: int) -> list[str]:
    return [m for _, m in log_of(conn, import_id) if m.startswith("Re-queued")]


def control_backend(conn: Connection, runner: int | None) -> int | None:
    """The server process of the runner's control connection, if it has one."""
    row = conn.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
        " AND classid = 1735685481 AND objid = %s AND objsubid = 2",
        (runner,),
    ).fetchone()
    return None if row is None else int(row[0])


def test_a_runner_records_itself_and_the_imports_it_holds(
    dsn: str, conn: Connection
) -> None:
    """A runner has a row (host, pid, started, heartbeat) while it lives;
    a running import names its runner; a stopped runner removes its row."""
    with running(dsn, settings=EAGER) as handle, gates("held") as gate:
        held = submit(conn, {"action": "block", "gate": "held"})
        wait_until(lambda: in_state(conn, "running", held))
        runner = handle.runner.runner_id
        assert runner is not None and runner_of(conn, held) == runner
        row = conn.execute(
            "SELECT pid, host <> '', heartbeat >= started FROM import.runners"
            " WHERE id = %s",
            (runner,),
        ).fetchone()
        assert row == (os.getpid(), True, True)
        gate["held"].set()
        wait_until(lambda: settled(conn, held))
    assert column(conn, "SELECT count(*) FROM import.runners") == 0


def test_a_second_runner_never_requeues_the_first_ones_imports(
    dsn: str, conn: Connection, keeper: str
) -> None:
    """A runner started against a database where another runner works, and
    looking for runners that are gone again and again, leaves that runner's
    running imports alone; the first runner finishes them."""
    settings = replace(EAGER, queue_role=keeper)
    with running(dsn, settings=settings) as first, gates("held") as gate:
        held = submit(conn, {"action": "block", "gate": "held"})
        wait_until(lambda: in_state(conn, "running", held))
        with running(dsn, settings=settings) as second:
            wait_until(lambda: second.events)
            registered = column(conn, "SELECT count(*) FROM import.runners")
            probe = submit(conn, {"action": "ok"}, "other")
            wait_until(lambda: settled(conn, probe))
        assert second.events[0] == RunnerStarted(())
        assert registered == 2
        assert state_of(conn, held) == "running"
        assert runner_of(conn, held) == first.runner.runner_id
        gate["held"].set()
        assert wait_until(lambda: settled(conn, held)) == {held: "pending"}
    assert requeue_lines(conn, held) == []


def test_a_runner_that_lost_its_connection_keeps_its_imports(
    dsn: str, conn: Connection
) -> None:
    """When a runner's control connection breaks, the runner comes back under
    the same id, keeps the imports it runs and finishes them."""
    with running(dsn, settings=EAGER) as handle, gates("held") as gate:
        held = submit(conn, {"action": "block", "gate": "held"})
        wait_until(lambda: in_state(conn, "running", held))
        runner = handle.runner.runner_id
        backend = control_backend(conn, runner)
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
        wait_until(lambda: control_backend(conn, runner) not in (None, backend))
        gate["held"].set()
        assert wait_until(lambda: settled(conn, held)) == {held: "pending"}
        assert runner_of(conn, held) == runner
    assert requeue_lines(conn, held) == []


def test_an_import_claimed_as_the_connection_broke_is_queued_again(
    dsn: str, conn: Connection
) -> None:
    """An import recorded as the runner's that the runner does not run (its
    claim committed while the answer was lost) is queued again when the
    runner reconnects, and then runs."""
    with running(dsn, settings=EAGER) as handle:
        wait_until(lambda: handle.events)
        runner = handle.runner.runner_id
        # Not due yet, so the runner cannot claim it before it is made a stray.
        stray = submit(conn, {"action": "ok"}, due=datetime.now(UTC) + LATER)
        conn.execute(
            "UPDATE import.imports SET state = 'running', runner = %s, due = now()"
            " WHERE id = %s",
            (runner, stray),
        )
        backend = control_backend(conn, runner)
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
        assert wait_until(lambda: settled(conn, stray)) == {stray: "pending"}
    assert requeue_lines(conn, stray) == [
        "Re-queued: the runner lost it while claiming it."
    ]


def test_killing_one_of_three_runners_requeues_only_its_imports(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """kill -9 one of three runner processes mid-run: the others queue its
    imports again and finish them; their own imports are left untouched."""
    marker = tmp_path / "hold"
    marker.touch()
    data = {"action": "hold", "while": str(marker)}
    ids = [submit(conn, data, "reader") for _ in range(6)]
    with toy_runners(dsn, 3, max_running=2) as processes:
        holders = wait_until(lambda: held_by_three(conn, ids), timeout=30)
        rows = conn.execute("SELECT pid, id FROM import.runners").fetchall()
        pids = {int(pid): int(runner) for pid, runner in rows}
        victim = processes[0]
        gone = pids[victim.pid]
        doomed = [i for i, runner in holders.items() if runner == gone]
        kept = {i: runner for i, runner in holders.items() if runner != gone}
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        wait_until(lambda: in_state(conn, "queued", *doomed))
        assert {i: runner_of(conn, i) for i in kept} == kept
        assert in_state(conn, "running", *kept)
        marker.unlink()
        final = wait_until(lambda: settled(conn, *ids), timeout=30)
    assert set(final.values()) == {"pending"}
    assert len(doomed) == 2
    for import_id in doomed:
        assert requeue_lines(conn, import_id) == [REQUEUED]
        assert runner_of(conn, import_id) in set(kept.values())
    for import_id, runner in kept.items():
        assert requeue_lines(conn, import_id) == []
        assert runner_of(conn, import_id) == runner


def held_by_three(conn: Connection, ids: list[int]) -> dict[int, int] | None:
    """Each import's runner, once all of them run, on three runners."""
    rows = conn.execute(
        "SELECT id, runner FROM import.imports"
        " WHERE id = ANY(%s) AND state = 'running'",
        (ids,),
    ).fetchall()
    holders = {int(i): int(r) for i, r in rows}
    if len(holders) < len(ids) or len(set(holders.values())) < 3:
        return None
    return holders


def test_the_runners_are_listed_with_what_they_run(dsn: str, conn: Connection) -> None:
    """`runners` lists each runner (host, pid, since, whether it is live and
    how many imports it runs); a runner that is gone shows as not live."""
    # A runner forgets runners that are gone when it starts, and then only
    # every five seconds: one registered after the start stays listed.
    with running(dsn) as handle, gates("held") as gate:
        wait_until(lambda: handle.events)
        conn.execute(
            "INSERT INTO import.runners (host, pid) VALUES ('elsewhere', 4242)"
        )
        held = submit(conn, {"action": "block", "gate": "held"})
        wait_until(lambda: in_state(conn, "running", held))
        listed = {row.pid: row for row in runners(conn)}
        here = listed[os.getpid()]
        assert (here.id, here.live, here.running) == (
            handle.runner.runner_id,
            True,
            1,
        )
        assert (listed[4242].host, listed[4242].live) == ("elsewhere", False)
        shown = json.loads(gemma("runners", "--json", dsn=dsn).stdout)
        # Oldest first.
        assert [(row["pid"], row["running"]) for row in shown] == [
            (os.getpid(), 1),
            (4242, 0),
        ]
        gate["held"].set()
        wait_until(lambda: settled(conn, held))
    assert os.getpid() not in [row.pid for row in runners(conn)]


def test_a_database_without_runners_lists_none(conn: Connection) -> None:
    """A database laid out like the reference's has no runners table."""
    conn.execute("DROP TABLE import.runners CASCADE")
    assert runners(conn) == []
