"""A runner's log lines and outcomes, written in batches, on a real
PostgreSQL: in the order they came, each outcome on its own, and nothing
written twice when a batch is written again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from gemma_tui.db import Connection
from gemma_tui.db.pool import Pool
from gemma_tui.queue.bookkeeper import (
    Bookkeeper,
    Ending,
    Line,
    StoreFailed,
    Write,
    write_batch,
)
from gemma_tui.queue.store import StoreRetry
from tests.engine import count, log_of, queued_after, state_of, submit, wait_until

QUICK = StoreRetry(attempts=3, first_wait=0.01, longest_wait=0.02)
WAIT = timedelta(minutes=10)


def running_imports(conn: Connection, number: int) -> list[int]:
    ids = [submit(conn, {"action": "ok"}) for _ in range(number)]
    conn.execute("UPDATE import.imports SET state = 'running'")
    return ids


def ending(import_id: int, *, retry: bool = False) -> Ending:
    state = "failed" if retry else "accepted"
    return Ending(
        target=import_id,
        holder=None,
        remove=False,
        state=state,
        summary=None,
        log_to=import_id,
        lines=[("error" if retry else "info", f"{state} #{import_id}")],
        retry=retry,
        tries=2 if retry else None,
        wait=WAIT if retry else None,
    )


@contextmanager
def bookkeeper(dsn: str, write: Write | None = None) -> Iterator[Bookkeeper]:
    keeper = Bookkeeper(Pool(dsn, 2), QUICK, threading.Event(), write)
    try:
        yield keeper
    finally:
        keeper.close()


def test_lines_and_outcomes_are_written_in_the_order_they_came(
    dsn: str, conn: Connection
) -> None:
    """Lines before an outcome come before its own lines; lines after it
    come after; the retry's id comes back."""
    first, other = running_imports(conn, 2)
    with bookkeeper(dsn) as keeper:
        keeper.log(Line(first, "info", "before"))
        keeper.log(Line(other, "info", "meanwhile"))
        retry_id = keeper.store(ending(first, retry=True))
        keeper.log(Line(first, "info", "after"))
    assert log_of(conn, first) == [
        ("info", "before"),
        ("error", f"failed #{first}"),
        ("info", "after"),
    ]
    assert log_of(conn, other) == [("info", "meanwhile")]
    [retry] = queued_after(conn, other)
    assert (retry["id"], retry["trys_left"], retry["retry_wait"]) == (retry_id, 2, WAIT)
    assert state_of(conn, first) == "failed"


def test_a_batch_written_again_after_a_lost_answer_doubles_nothing(
    dsn: str, conn: Connection
) -> None:
    """The commit went through but its answer was lost: the batch is
    written again without its lines, and its outcome, conditional on the
    import running, changes nothing the second time."""
    [import_id] = running_imports(conn, 1)
    entered, gate = threading.Event(), threading.Event()
    lines_sent: list[int] = []

    def write(
        store_conn: Connection, items: list[Line | Ending]
    ) -> list[tuple[Any, ...]]:
        lines_sent.append(sum(isinstance(item, Line) for item in items))
        if len(lines_sent) == 1:
            entered.set()
            gate.wait(timeout=10)  # holds the first batch: the next one waits
        rows = write_batch(store_conn, items)
        if len(lines_sent) == 2:
            raise psycopg.OperationalError("the commit's answer was lost")
        return rows

    answers: list[int | None] = []
    with bookkeeper(dsn, write) as keeper:
        keeper.log(Line(import_id, "info", "first batch"))
        assert entered.wait(timeout=10)
        keeper.log(Line(import_id, "info", "second batch"))
        storing = threading.Thread(
            target=lambda: answers.append(keeper.store(ending(import_id, retry=True)))
        )
        storing.start()
        wait_until(lambda: keeper.waiting == 2)
        gate.set()
        storing.join(timeout=10)
    assert lines_sent == [1, 1, 0]
    assert answers == [None]
    assert log_of(conn, import_id) == [
        ("info", "first batch"),
        ("info", "second batch"),
        ("error", f"failed #{import_id}"),
    ]
    assert len(queued_after(conn, import_id)) == 1


def test_a_refused_outcome_or_line_leaves_the_rest_of_its_batch(
    dsn: str, conn: Connection
) -> None:
    """A line for an import that is gone and an outcome whose retry the
    database refuses fail alone; the rest of the batch is written."""
    refused, accepted = running_imports(conn, 2)
    conn.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'no retry today'; END $$;"
        "CREATE TRIGGER refuse BEFORE INSERT ON import.imports"
        " FOR EACH ROW EXECUTE FUNCTION refuse()"
    )
    lines = [
        Line(refused, "info", "said"),
        Line(accepted + 100, "info", "to nobody"),
        Line(accepted, "info", "said too"),
    ]
    endings = [ending(refused, retry=True), ending(accepted)]
    rows = write_batch(conn, [*lines, *endings])
    assert [(item, retry_id) for item, retry_id, _ in rows] == [
        (-2, None),
        (1, None),
        (2, None),
    ]
    assert "no retry today" in rows[1][2] and rows[2][2] is None
    assert (state_of(conn, refused), state_of(conn, accepted)) == (
        "running",
        "accepted",
    )
    assert log_of(conn, refused) == [("info", "said")]
    assert log_of(conn, accepted) == [
        ("info", "said too"),
        ("info", f"accepted #{accepted}"),
    ]
    assert count(conn, "import.import_logs") == 3


def test_storing_an_outcome_the_database_refuses_fails(
    dsn: str, conn: Connection
) -> None:
    """Whoever stores an outcome that cannot be written is told so."""
    [import_id] = running_imports(conn, 1)
    conn.execute("ALTER TABLE import.imports ADD CHECK (state <> 'accepted')")
    with bookkeeper(dsn) as keeper, pytest.raises(StoreFailed, match="check"):
        keeper.store(ending(import_id))
    assert state_of(conn, import_id) == "running"


def test_a_batch_keeps_the_order_its_items_came_in(conn: Connection) -> None:
    """Written at once, a batch's log rows follow the order of its items,
    an outcome's own lines where the outcome stands; an outcome for an
    import no longer running writes nothing."""
    first, second, third, other = running_imports(conn, 4)
    conn.execute("UPDATE import.imports SET state = 'queued' WHERE id = %s", [other])
    rows = write_batch(
        conn,
        [
            Line(first, "info", "first says"),
            ending(first),
            Line(second, "info", "second says"),
            ending(second, retry=True),
            ending(other),
            Line(third, "info", "third says"),
        ],
    )
    [retry] = queued_after(conn, other)
    assert rows == [(1, None, None), (2, retry["id"], None), (3, None, None)]
    logged = conn.execute(
        "SELECT import_id, msg FROM import.import_logs ORDER BY seq"
    ).fetchall()
    assert logged == [
        (first, "first says"),
        (first, f"accepted #{first}"),
        (second, "second says"),
        (second, f"failed #{second}"),
        (third, "third says"),
    ]
    states = [state_of(conn, i) for i in (first, second, third, other)]
    assert states == ["accepted", "failed", "running", "queued"]


def test_two_outcomes_for_one_import_in_a_batch_apply_once(conn: Connection) -> None:
    """The first applies, the second finds the import no longer running."""
    [import_id] = running_imports(conn, 1)
    rows = write_batch(conn, [ending(import_id), ending(import_id)])
    assert rows == [(1, None, None), (2, None, None)]
    assert log_of(conn, import_id) == [("info", f"accepted #{import_id}")]
    assert state_of(conn, import_id) == "accepted"


def test_only_a_batch_with_an_outcome_waits_for_the_disk(conn: Connection) -> None:
    """Lines alone commit as the session does (without waiting, in a
    runner); a batch holding an outcome waits for the disk."""
    [import_id] = running_imports(conn, 1)

    def flush_after(items: list[Line | Ending]) -> str:
        with conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = off")
            write_batch(conn, items)
            row = conn.execute("SELECT current_setting('synchronous_commit')")
            setting = row.fetchone()
        assert setting is not None
        return str(setting[0])

    assert flush_after([Line(import_id, "info", "alone")]) == "off"
    assert flush_after([Line(import_id, "info", "with"), ending(import_id)]) == "on"


def test_a_batch_written_item_by_item_keeps_the_order_too(conn: Connection) -> None:
    """A line the database refuses sends the batch item by item; the rest
    is still written in the order it came."""
    first, second = running_imports(conn, 2)
    rows = write_batch(
        conn,
        [
            ending(first),
            Line(second, "info", "after the outcome"),
            Line(second + 100, "info", "to nobody"),
        ],
    )
    assert [(item, retry_id) for item, retry_id, _ in rows] == [(1, None), (-2, None)]
    logged = conn.execute("SELECT msg FROM import.import_logs ORDER BY seq")
    assert [msg for (msg,) in logged] == [f"accepted #{first}", "after the outcome"]


def store_batch(conn: Connection, batch: dict[str, Any]) -> list[tuple[Any, ...]]:
    """import.store_batch called as a runner calls it."""
    text = json.dumps(batch)
    return conn.execute("SELECT * FROM import.store_batch(%s)", [text]).fetchall()


def test_a_batch_without_places_has_its_lines_first_in_their_order(
    conn: Connection,
) -> None:
    """Runners before places were sent write lines, then outcomes."""
    first, second = running_imports(conn, 2)
    lines = [
        {"import_id": first, "level": "info", "msg": f"L{n:03d}"} for n in range(100)
    ]
    outcomes = [
        {"target": target, "drop_it": False, "state": "accepted", "log_to": target}
        | {"levels": ["info", "info"], "messages": [f"{target} a", f"{target} b"]}
        for target in (first, second)
    ]
    store_batch(conn, {"lines": lines, "outcomes": outcomes})
    logged = conn.execute("SELECT msg FROM import.import_logs ORDER BY seq")
    assert [msg for (msg,) in logged] == [
        *(f"L{n:03d}" for n in range(100)),
        *(f"{target} {part}" for target in (first, second) for part in "ab"),
    ]


def test_an_outcome_without_drop_it_changes_the_state(
    conn: Connection,
) -> None:
    [import_id] = running_imports(conn, 1)
    outcome = {"target": import_id, "state": "accepted", "log_to": import_id}
    assert store_batch(conn, {"lines": [], "outcomes": [outcome]}) == [(1, None, None)]
    assert state_of(conn, import_id) == "accepted"


def test_lines_for_an_import_the_batch_removes_are_refused(conn: Connection) -> None:
    """As item by item: the removal of an import whose log the batch also
    writes to fails; what else the batch says stands."""
    removed, other = running_imports(conn, 2)
    removal = replace(ending(removed), remove=True)
    logging_there = replace(ending(other), log_to=removed)
    rows = write_batch(conn, [removal, logging_there])
    assert [(item, failure is None) for item, _, failure in rows] == [
        (1, False),
        (2, True),
    ]
    assert (state_of(conn, removed), state_of(conn, other)) == ("running", "accepted")
    assert log_of(conn, removed) == [("info", f"accepted #{other}")]
