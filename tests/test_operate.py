"""Retrying a failed import now and cancelling a queued one (the queue's
API, against the real database)."""

from __future__ import annotations

import pytest

from gemma_tui.db import Connection
from gemma_tui.errors import BadJobData, NotFound, PermissionDenied, UnknownKind
from gemma_tui.queue.imports import logs_of
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.operate import (
    WrongState,
    cancel,
    enqueue_as_operator,
    retry_now,
)
from tests import toy
from tests.consoles import add_import
from tests.running import running, state_of, wait_until


def messages_of(conn: Connection, import_id: int) -> list[str]:
    return [line.message for line in logs_of(conn, import_id)]


def test_retry_now_queues_the_same_import_again_and_says_who(
    conn: Connection,
) -> None:
    failed = add_import(conn, "failed", user="alice")
    conn.execute(
        "UPDATE import.imports SET data = '{\"n\": 7}', trys_left = 3,"
        " retry_wait = '1 minute', send_email = true WHERE id = %s",
        (failed,),
    )
    retry = retry_now(conn, failed, actor="rita")

    columns = "state::text, kind, username, data, trys_left, retry_wait, send_email"
    query = f"SELECT {columns}, due <= now() FROM import.imports WHERE id = %s"
    old = conn.execute(query, (failed,)).fetchone()
    new = conn.execute(query, (retry,)).fetchone()
    assert old is not None and new is not None
    assert old[0] == "failed" and new[0] == "queued"
    assert new[1:7] == old[1:7]
    assert new[7] is True
    assert messages_of(conn, failed) == [f"Retried now by 'rita' as import {retry}."]
    assert messages_of(conn, retry) == [
        f"Retry of import {failed}, asked for by 'rita'."
    ]


def test_only_a_failed_import_is_retried(conn: Connection) -> None:
    pending = add_import(conn, "pending")
    with pytest.raises(WrongState, match=f"#{pending} is pending, not failed"):
        retry_now(conn, pending, actor="rita")
    with pytest.raises(NotFound, match="cannot find import #999"):
        retry_now(conn, 999, actor="rita")
    assert conn.execute("SELECT count(*) FROM import.imports").fetchone() == (1,)
    assert messages_of(conn, pending) == []


def test_a_cancelled_import_never_runs_and_names_who_cancelled(
    dsn: str, conn: Connection
) -> None:
    scheduled = add_import(conn, "queued", kind="toy")
    conn.execute(
        "UPDATE import.imports SET due = now() + interval '2 seconds' WHERE id = %s",
        (scheduled,),
    )
    cancel(conn, scheduled, actor="rita")
    row = conn.execute(
        "SELECT state::text, signer FROM import.imports WHERE id = %s", (scheduled,)
    ).fetchone()
    assert row == ("declined", "rita")
    assert messages_of(conn, scheduled) == ["Cancelled by 'rita' before it ran."]

    # A runner started afterwards runs the other import, not this one.
    other = add_import(conn, "queued", kind="toy")
    with running(dsn, toy.registry()):
        wait_until(lambda: state_of(conn, other) not in ("queued", "running"))
    assert state_of(conn, scheduled) == "declined"


def test_only_a_queued_import_is_cancelled(conn: Connection) -> None:
    busy = add_import(conn, "running")
    with pytest.raises(WrongState, match=f"#{busy} is running, not queued"):
        cancel(conn, busy, actor="rita")
    assert state_of(conn, busy) == "running"


def test_an_importer_may_not_cancel(conn: Connection) -> None:
    queued = add_import(conn, "queued")
    with pytest.raises(PermissionDenied, match="role 'alice' may not cancel"):
        cancel(conn, queued, actor="alice")
    assert state_of(conn, queued) == "queued"
    assert messages_of(conn, queued) == []


def test_an_import_queued_by_an_operator_names_the_role_in_its_log(
    conn: Connection,
) -> None:
    new = enqueue_as_operator(conn, toy.registry(), "toy", '{"n": 1}', actor="rita")
    row = conn.execute(
        "SELECT state::text, kind, username, data FROM import.imports WHERE id = %s",
        (new,),
    ).fetchone()
    assert row == ("queued", "toy", "rita", '{"n": 1}')
    assert messages_of(conn, new) == ["Queued from the console by 'rita'."]


def test_without_an_actor_the_login_role_queues_and_is_named(
    conn: Connection,
) -> None:
    new = enqueue_as_operator(conn, toy.registry(), "toy", "{}")
    assert messages_of(conn, new) == ["Queued from the console by 'postgres'."]


@pytest.mark.parametrize(
    ("kind", "data", "actor", "error", "reason"),
    [
        ("csv", '{"file": "/data/a.asc"}', "rita", BadJobData, "not a .csv file"),
        ("nope", "{}", "rita", UnknownKind, "unknown kind 'nope'"),
        ("toy", "[1", "rita", BadJobData, "not JSON"),
        ("toy", "{}", "mallory", PermissionDenied, "permission denied"),
    ],
)
def test_a_refused_enqueue_writes_neither_row_nor_line(
    conn: Connection,
    kind: str,
    data: str,
    actor: str,
    error: type[Exception],
    reason: str,
) -> None:
    registry = Registry([toy.ToyKind(), toy.CsvKind()])
    with pytest.raises(error, match=reason):
        enqueue_as_operator(conn, registry, kind, data, actor=actor)
    assert conn.execute("SELECT count(*) FROM import.imports").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM import.import_logs").fetchone() == (0,)
