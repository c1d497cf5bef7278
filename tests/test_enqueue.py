"""Enqueueing (contract §4) against a real PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from psycopg.conninfo import make_conninfo

from gemma_tui.db import Connection, connect
from gemma_tui.errors import BadJobData, GemmaError, PermissionDenied, UnknownKind
from gemma_tui.queue import imports
from tests.engine import REGISTRY, column, count, submit

PLUS_FIVE = timezone(timedelta(hours=5))


def row_of(conn: Connection, import_id: int) -> dict[str, object]:
    cursor = conn.execute(
        "SELECT state::text, kind, username, trys_left, retry_wait, send_email,"
        " data, due, enqueued FROM import.imports WHERE id = %s",
        (import_id,),
    )
    names = [d.name for d in cursor.description or ()]
    row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def test_a_new_import_is_queued_with_its_data(conn: Connection) -> None:
    """An enqueued job is a queued row with its kind, email flag and data."""
    data = json.dumps({"action": "ok", "label": "ä"})
    new = imports.enqueue(conn, REGISTRY, "toy", data, user="bob", send_email=True)
    row = row_of(conn, new)
    assert row["state"] == "queued"
    assert (row["kind"], row["send_email"], row["data"]) == ("toy", True, data)
    assert (row["trys_left"], row["retry_wait"]) == (None, None)


@pytest.mark.parametrize("user", ["alice", "bob", "rita"])
def test_the_row_is_written_as_the_submitting_role(conn: Connection, user: str) -> None:
    """The row is written as the submitting user: username is that role."""
    new = submit(conn, {"action": "ok"}, user=user)
    assert row_of(conn, new)["username"] == user
    assert column(conn, "SELECT current_user") == "postgres"


def test_without_a_user_the_connections_role_submits(conn: Connection) -> None:
    """Without a user, the row belongs to the role the connection acts as."""
    new = imports.enqueue(conn, REGISTRY, "toy", "{}")
    assert row_of(conn, new)["username"] == "postgres"


def test_a_role_without_the_right_to_insert_is_refused(conn: Connection) -> None:
    """The database's own rights decide who may enqueue: no right, no row."""
    with pytest.raises(PermissionDenied, match=r"^permission denied for "):
        submit(conn, {"action": "ok"}, user="mallory")
    assert count(conn, "import.imports") == 0
    assert column(conn, "SELECT current_user") == "postgres"


@pytest.mark.parametrize(("given", "stored"), [(-1, 200), (201, 200), (0, 0), (7, 7)])
def test_tries_below_0_or_above_200_are_stored_as_200(
    conn: Connection, given: int, stored: int
) -> None:
    """Tries left below 0 or above 200 becomes 200 in the stored row."""
    new = submit(conn, {}, tries=given)
    assert row_of(conn, new)["trys_left"] == stored


@pytest.mark.parametrize(
    ("given", "stored"),
    [(timedelta(seconds=1), timedelta(seconds=5)), (timedelta(hours=1),) * 2],
)
def test_a_retry_wait_under_5_s_is_stored_as_5_s(
    conn: Connection, given: timedelta, stored: timedelta
) -> None:
    """A wait between retries shorter than 5 seconds is stored as 5 seconds."""
    new = submit(conn, {}, retry_wait=given)
    assert row_of(conn, new)["retry_wait"] == stored


def test_due_times_are_stored_in_utc(conn: Connection) -> None:
    """A due time given in +05:00 is stored as timestamptz: the same instant."""
    conn.execute("SET TIME ZONE 'America/New_York'")
    due = datetime(2031, 3, 4, 12, 30, tzinfo=PLUS_FIVE)
    new = imports.enqueue(conn, REGISTRY, "toy", "{}", user="alice", due=due)
    assert row_of(conn, new)["due"] == due
    conn.execute("SET TIME ZONE 'UTC'")
    text = column(conn, "SELECT due::text FROM import.imports WHERE id = %s", new)
    assert text == "2031-03-04 07:30:00+00"
    kind = column(conn, "SELECT pg_typeof(due)::text FROM import.imports LIMIT 1")
    assert kind == "timestamp with time zone"


def test_the_due_time_is_now_by_default(conn: Connection) -> None:
    """Without a due time the import is due at once."""
    before = datetime.now(UTC)
    row = row_of(conn, submit(conn, {}))
    assert isinstance(row["due"], datetime)
    assert row["due"] == row["enqueued"]
    assert abs(row["due"] - before) < timedelta(seconds=5)


def test_a_due_time_without_a_zone_is_refused(conn: Connection) -> None:
    """A due time must name its zone; a naive one would be guessed."""
    with pytest.raises(GemmaError, match="time zone"):
        imports.enqueue(conn, REGISTRY, "toy", "{}", due=datetime(2031, 1, 1))
    assert count(conn, "import.imports") == 0


@pytest.mark.parametrize("kind", ["ghost", "toy#review", ""])
def test_an_unknown_kind_is_refused(conn: Connection, kind: str) -> None:
    """Only registered kinds are enqueued; review kinds come from decisions."""
    with pytest.raises(UnknownKind, match="unknown kind"):
        imports.enqueue(conn, REGISTRY, kind, "{}", user="alice")
    assert count(conn, "import.imports") == 0


@pytest.mark.parametrize(
    "data",
    [
        "{",
        "",
        "not json",
        '{"a": 1} trailing',
        '{"label": "a\x00b"}',
        '{"label": "a\\u0000b"}',
        '{"a\\u0000": 1}',
        '{"n": NaN}',
        '{"n": -Infinity}',
        "[" * 5000 + "]" * 5000,
        '{"n": ' + "9" * 5000 + "}",
    ],
)
def test_bad_job_data_is_refused_and_nothing_written(
    conn: Connection, data: str
) -> None:
    """Data that is not JSON, or holds a NUL, is refused; no row is written."""
    with pytest.raises(BadJobData):
        imports.enqueue(conn, REGISTRY, "toy", data, user="alice")
    assert count(conn, "import.imports") == 0


def test_an_escaped_backslash_is_not_a_nul(conn: Connection) -> None:
    """A backslash followed by the text u0000 is no NUL and is accepted."""
    data = '{"path": "C:\\\\u0000"}'
    new = imports.enqueue(conn, REGISTRY, "toy", data, user="alice")
    assert json.loads(str(row_of(conn, new)["data"])) == {"path": "C:\\u0000"}


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/St_Johns", "UTC"])
def test_a_due_delay_is_added_to_the_database_clock(
    conn: Connection, dsn: str, zone: str
) -> None:
    """Whatever the session's zone (here set in the DSN, as PGTZ would), a
    delay lands exactly that long after the database's enqueue time."""
    with connect(make_conninfo(dsn, options=f"-c TimeZone={zone}")) as session:
        new = imports.enqueue(
            session, REGISTRY, "toy", "{}", user="alice", due=timedelta(minutes=10)
        )
    due, enqueued = row_of(conn, new)["due"], row_of(conn, new)["enqueued"]
    assert isinstance(due, datetime) and isinstance(enqueued, datetime)
    assert due - enqueued == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (timedelta(seconds=-1), "0 to 10 years"),
        (timedelta(days=4000), "0 to 10 years"),
        (datetime(1, 1, 2, tzinfo=UTC), "between 1970 and 9999"),
        (datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=5))), "9999"),
    ],
)
def test_a_due_time_out_of_range_is_refused(
    conn: Connection, due: datetime | timedelta, message: str
) -> None:
    with pytest.raises(GemmaError, match=message):
        imports.enqueue(conn, REGISTRY, "toy", "{}", user="alice", due=due)
    assert count(conn, "import.imports") == 0


def test_file_data_names_the_file_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "export.asc").write_text("x")
    monkeypatch.chdir(tmp_path)
    data = imports.file_data(Path("export.asc"))
    assert json.loads(data) == {"file": str(tmp_path / "export.asc")}


def test_file_data_refuses_what_is_no_readable_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    odd = os.fsdecode(bytes(tmp_path) + b"/\xff.asc")
    Path(odd).write_text("x")
    cases = [
        (tmp_path, "is a directory, not a file"),
        (tmp_path / "missing.asc", "no such file: "),
        (tmp_path / "pipe", "is not a regular file"),
        (Path(odd), r"is not valid UTF-8"),
        (tmp_path / ("a" * 5000), "cannot read '/"),
    ]
    for path, reason in cases:
        with pytest.raises(GemmaError, match=reason) as refused:
            imports.file_data(path)
        assert "\n" not in str(refused.value)
