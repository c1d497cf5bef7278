"""Reading one import in full: the detail view's data, on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gemma_tui.db import Connection
from gemma_tui.errors import NotFound
from gemma_tui.queue.detail import read_detail, retry_chain
from gemma_tui.queue.imports import enqueue
from tests import toy
from tests.running import running, state_of, wait_until

FAIL = '{"action": "fail", "message": "boom"}'


def test_a_failed_import_and_its_retry_form_a_chain(dsn: str, conn: Connection) -> None:
    first = enqueue(
        conn,
        toy.registry(),
        "toy",
        FAIL,
        user="alice",
        tries=1,
        retry_wait=timedelta(minutes=10),
    )
    with running(dsn, toy.registry()):
        wait_until(lambda: state_of(conn, first) == "failed")
    retry = max(retry_chain(conn, first))

    assert retry != first
    assert retry_chain(conn, first) == (first, retry)
    assert retry_chain(conn, retry) == (first, retry)
    detail = read_detail(conn, retry)
    assert (detail.state, detail.tries_left) == ("queued", 0)
    assert detail.retries == (first, retry)


def test_imports_with_the_same_data_are_no_chain(dsn: str, conn: Connection) -> None:
    one = enqueue(conn, toy.registry(), "toy", FAIL, user="alice")
    other = enqueue(conn, toy.registry(), "toy", FAIL, user="alice")
    with running(dsn, toy.registry()):
        wait_until(lambda: state_of(conn, other) == "failed")

    assert retry_chain(conn, one) == (one,)
    assert retry_chain(conn, other) == (other,)


def test_the_detail_holds_log_errors_and_counts(dsn: str, conn: Connection) -> None:
    import_id = enqueue(conn, toy.registry(), "toy", FAIL, user="alice")
    with running(dsn, toy.registry()):
        wait_until(lambda: state_of(conn, import_id) == "failed")

    detail = read_detail(conn, import_id)
    assert (detail.kind, detail.username, detail.errors) == ("toy", "alice", 1)
    assert detail.lines == len(detail.log) == 2
    assert [entry.level for entry in detail.log] == ["info", "error"]
    [error] = detail.error_entries
    assert error.message.startswith("error in import: boom\nTraceback")
    assert detail.data == FAIL
    assert detail.summary is None


def test_the_log_keeps_the_newest_lines(conn: Connection) -> None:
    import_id = _add(conn)
    for number in range(5):
        conn.execute(
            "INSERT INTO import.import_logs (import_id, msg) VALUES (%s, %s)",
            (import_id, f"line {number}"),
        )
    detail = read_detail(conn, import_id, log_limit=3)
    assert [entry.message for entry in detail.log] == ["line 2", "line 3", "line 4"]
    assert detail.lines == 5


def test_a_database_without_the_log_sequence_is_readable(conn: Connection) -> None:
    """A database laid out like gemma's has no `seq` column."""
    import_id = _add(conn)
    conn.execute("ALTER TABLE import.import_logs DROP COLUMN seq")
    conn.execute(
        "INSERT INTO import.import_logs (import_id, msg) VALUES (%s, 'x')",
        (import_id,),
    )
    assert read_detail(conn, import_id).lines == 1


def test_a_missing_import_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound, match="cannot find import #42"):
        read_detail(conn, 42)


def _add(conn: Connection) -> int:
    row = conn.execute(
        "INSERT INTO import.imports (kind, username, data) VALUES ('toy', 'alice',"
        " '{}') RETURNING id"
    ).fetchone()
    assert row is not None
    return int(row[0])
