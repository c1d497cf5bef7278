"""Waking an idle runner (contract §9): notifications, not the poll, start
new imports; the listener reconnects by itself and catches up.

The runners here poll only every 30 seconds, and every wait gives up after
10, so an import that starts at all was started by a wake-up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gemma_tui.db import Connection, connect
from gemma_tui.queue.events import RunnerTrouble
from tests.engine import (
    FAST,
    Handle,
    moved,
    running,
    settled,
    state_of,
    submit,
    wait_until,
)

SLOW_POLL = replace(FAST, poll_interval=30.0, recover_interval=60.0)
OK = {"action": "ok"}


def listening(handle: Handle) -> int | None:
    """The listener's server process once the runner is up and listens."""
    return handle.runner.listener.backend_pid if handle.events else None


def test_an_enqueue_wakes_an_idle_runner(dsn: str, conn: Connection) -> None:
    """An import enqueued while the runner is idle starts at once."""
    with running(dsn, settings=SLOW_POLL) as handle:
        wait_until(lambda: listening(handle))
        first = submit(conn, OK)
        assert wait_until(lambda: settled(conn, first)) == {first: "pending"}
        second = submit(conn, OK, "other")
        assert wait_until(lambda: settled(conn, second)) == {second: "pending"}


def test_a_terminated_listener_reconnects_and_the_next_enqueue_starts(
    dsn: str, conn: Connection
) -> None:
    """The listener's connection is terminated: it reconnects by itself, and
    the next import enqueued starts without waiting for the poll."""
    with running(dsn, settings=SLOW_POLL) as handle:
        backend = wait_until(lambda: listening(handle))
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
        wait_until(lambda: listening(handle) not in (None, backend))
        after = submit(conn, OK)
        assert wait_until(lambda: settled(conn, after)) == {after: "pending"}


def test_an_import_enqueued_while_nobody_listens_starts_after_the_reconnect(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """Enqueued while the listener cannot reconnect, an import waits; once
    the listener is back, its first look catches up and starts it."""
    away, socket, link = moved(dsn, tmp_path)
    link.symlink_to(socket)
    with running(away, settings=SLOW_POLL) as handle:
        backend = wait_until(lambda: listening(handle))
        link.unlink()  # the connections made stay; new ones fail
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
        wait_until(lambda: any(isinstance(e, RunnerTrouble) for e in handle.events))
        missed = submit(conn, OK)
        assert state_of(conn, missed) == "queued"
        link.symlink_to(socket)
        assert wait_until(lambda: settled(conn, missed)) == {missed: "pending"}


def test_an_import_coming_due_wakes_the_runner(dsn: str, conn: Connection) -> None:
    """An idle runner wakes when a queued import comes due, without a poll."""
    with running(dsn, settings=SLOW_POLL) as handle:
        wait_until(lambda: listening(handle))
        soon = submit(conn, OK, due=datetime.now(UTC) + timedelta(seconds=7))
        assert wait_until(lambda: settled(conn, soon)) == {soon: "pending"}


def freed_notes(conn: Connection, listener: Connection, runner: int) -> list[str]:
    """What a runner that frees dependency locks tells a listener."""
    conn.execute(
        "SELECT import.unlock_dependencies('{}', '{}'), import.tell_freed(%s)",
        (runner,),
    )
    return [note.payload for note in listener.notifies(timeout=0.5, stop_after=1)]


def test_freed_locks_are_told_only_where_another_runner_is(
    dsn: str, conn: Connection
) -> None:
    """A runner alone on its database tells nobody what it frees: only its
    own listener would hear it. With a second runner, it tells."""
    alone = conn.execute(
        "INSERT INTO import.runners (host, pid) VALUES ('here', 1) RETURNING id"
    ).fetchone()
    assert alone is not None
    with connect(dsn) as listener:
        listener.execute("LISTEN gemma_tui_dependencies")
        assert freed_notes(conn, listener, alone[0]) == []
        conn.execute("INSERT INTO import.runners (host, pid) VALUES ('there', 2)")
        assert freed_notes(conn, listener, alone[0]) == [str(alone[0])]
