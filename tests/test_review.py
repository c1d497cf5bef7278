"""Review: deciding pending imports and carrying decisions out (contract §3
and §8) on a real PostgreSQL."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gemma_tui.db import Connection, connect
from gemma_tui.errors import GemmaError, NotFound, NotPending, PermissionDenied
from gemma_tui.queue import imports
from gemma_tui.queue.kinds import Feedback, Registry
from gemma_tui.queue.store import StoreRetry
from tests import toy
from tests.engine import (
    FAST,
    REGISTRY,
    column,
    count,
    log_of,
    moved,
    queued_after,
    run_until_settled,
    running,
    settled,
    state_of,
    submit,
    wait_until,
)


class StampKind(toy.ToyKind):
    """Publishes by stamping the role that publishes."""

    name = "stamp"

    def stage_done(self, conn: Connection, import_id: int, feedback: Feedback) -> None:
        conn.execute("INSERT INTO toy.items (label) VALUES (current_user)")


def pending(dsn: str, conn: Connection, *labels: str) -> int:
    """A toy import by alice that staged `labels`, run until it is pending."""
    staged = submit(conn, {"action": "ok", "stage": list(labels)})
    assert run_until_settled(dsn, conn, staged) == {staged: "pending"}
    return staged


def marked_pending(conn: Connection, kind: str = "toy") -> int:
    """A pending import written straight into the table, without a runner."""
    return int(
        column(
            conn,
            "INSERT INTO import.imports (kind, state, username, data)"
            " VALUES (%s, 'pending', 'alice', '{}') RETURNING id",
            kind,
        )
    )


def carry_out(dsn: str, conn: Connection, import_id: int, accept: bool) -> str:
    """Decides as rita, runs the review, and returns its outcome."""
    review = imports.decide(conn, REGISTRY, import_id, accept, reviewer="rita")
    with running(dsn):
        outcome = wait_until(lambda: imports.review_outcome(conn, import_id, review))
        wait_until(lambda: state_of(conn, review) is None)
    return outcome


def items(conn: Connection) -> list[tuple[str, bool]]:
    rows = conn.execute("SELECT label, staging_done FROM toy.items ORDER BY id")
    return [(str(label), bool(done)) for label, done in rows.fetchall()]


def tracked(conn: Connection, import_id: int) -> int:
    return count(conn, "import.track_imports", "import_id = %s", import_id)


def signer_of(conn: Connection, import_id: int) -> Any:
    return column(conn, "SELECT signer FROM import.imports WHERE id = %s", import_id)


# Deciding


def test_deciding_a_missing_import_is_refused(conn: Connection) -> None:
    """Deciding an import that does not exist: "cannot find import #N"."""
    with pytest.raises(NotFound, match=r"^cannot find import #4711$"):
        imports.decide(conn, REGISTRY, 4711, True, reviewer="rita")


@pytest.mark.parametrize(
    "state", ["queued", "running", "failed", "unchanged", "accepted", "reviewed"]
)
def test_deciding_an_import_that_is_not_pending_is_refused(
    conn: Connection, state: str
) -> None:
    """Only a pending import can be decided: else "#N is STATE, not pending"."""
    decided = marked_pending(conn)
    conn.execute("UPDATE import.imports SET state = %s", (state,))
    with pytest.raises(NotPending, match=f"^#{decided} is {state}, not pending$"):
        imports.decide(conn, REGISTRY, decided, False, reviewer="rita")
    assert queued_after(conn, decided) == []


def test_deciding_an_import_of_an_unknown_kind_is_refused(conn: Connection) -> None:
    """A pending import of a kind no one registered cannot be decided."""
    ghost = marked_pending(conn, "ghost")
    with pytest.raises(GemmaError, match="unknown kind 'ghost'"):
        imports.decide(conn, REGISTRY, ghost, True, reviewer="rita")
    assert state_of(conn, ghost) == "pending"
    assert queued_after(conn, ghost) == []


def test_a_decision_enqueues_a_review_import_as_the_reviewer(
    conn: Connection,
) -> None:
    """A decision enqueues K#review (user = reviewer, tries 200, wait 10
    minutes, data = id and decision) and makes the import `reviewed`."""
    decided = marked_pending(conn)
    review = imports.decide(conn, REGISTRY, decided, False, reviewer="rita")
    [row] = queued_after(conn, decided)
    assert row["id"] == review
    assert (row["kind"], row["state"], row["username"]) == (
        "toy#review",
        "queued",
        "rita",
    )
    assert (row["trys_left"], row["retry_wait"]) == (200, timedelta(minutes=10))
    assert json.loads(row["data"]) == {"id": decided, "accepted": False}
    assert state_of(conn, decided) == "reviewed"


def test_a_decision_needs_the_reviewers_rights(conn: Connection) -> None:
    """The decision is written as the reviewer: a role without the right to
    review is refused, and nothing is written."""
    decided = marked_pending(conn)
    with pytest.raises(PermissionDenied, match="role 'alice' may not decide"):
        imports.decide(conn, REGISTRY, decided, True, reviewer="alice")
    assert state_of(conn, decided) == "pending"
    assert queued_after(conn, decided) == []


def test_a_decision_is_written_in_one_transaction(conn: Connection) -> None:
    """The review import and the `reviewed` state are written together or not
    at all."""
    decided = marked_pending(conn)
    conn.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'not today'; END $$;"
        "CREATE TRIGGER refuse BEFORE UPDATE ON import.imports FOR EACH ROW"
        " WHEN (NEW.state = 'reviewed') EXECUTE FUNCTION refuse()"
    )
    with pytest.raises(GemmaError, match="not today"):
        imports.decide(conn, REGISTRY, decided, True, reviewer="rita")
    assert state_of(conn, decided) == "pending"
    assert queued_after(conn, decided) == []


def test_of_two_concurrent_decisions_exactly_one_wins(
    dsn: str, conn: Connection
) -> None:
    """Two reviewers deciding one import at once: one wins, the other is told
    "#N is reviewed, not pending"."""
    decided = marked_pending(conn)
    results: list[object] = []

    def decide(accept: bool) -> None:
        with connect(dsn) as own:
            try:
                results.append(
                    imports.decide(own, REGISTRY, decided, accept, reviewer="rita")
                )
            except GemmaError as error:
                results.append(error)

    with connect(dsn, autocommit=False) as blocker:
        # Both deciders queue up behind this lock, then race when it goes.
        blocker.execute(
            "SELECT FROM import.imports WHERE id = %s FOR UPDATE", (decided,)
        )
        threads = [threading.Thread(target=decide, args=(a,)) for a in (True, False)]
        for thread in threads:
            thread.start()
        wait_until(
            lambda: (
                count(
                    conn,
                    "pg_stat_activity",
                    "datname = current_database() AND wait_event_type = 'Lock'",
                )
                == 2
            )
        )
        blocker.rollback()
    for thread in threads:
        thread.join(timeout=10)
    [winner] = [r for r in results if isinstance(r, int)]
    [loser] = [r for r in results if not isinstance(r, int)]
    assert isinstance(loser, NotPending)
    assert str(loser) == f"#{decided} is reviewed, not pending"
    assert [row["id"] for row in queued_after(conn, decided)] == [winner]


# Carrying a decision out


def test_accepting_publishes_the_staged_rows(dsn: str, conn: Connection) -> None:
    """Accepted: the kind's stage_done publishes what the import staged."""
    staged = pending(dsn, conn, "a", "b")
    assert carry_out(dsn, conn, staged, accept=True) == "accepted"
    assert items(conn) == [("a", True), ("b", True)]
    assert ("info", "toy published") in log_of(conn, staged)


def test_stage_done_runs_as_the_imports_original_user(
    dsn: str, conn: Connection
) -> None:
    """The review job publishes as the import's original user, not the
    reviewer."""
    registry = Registry([StampKind()])
    staged = imports.enqueue(conn, registry, "stamp", "{}", user="bob")
    run_until_settled(dsn, conn, staged, registry=registry)
    review = imports.decide(conn, registry, staged, True, reviewer="rita")
    with running(dsn, registry):
        wait_until(lambda: imports.review_outcome(conn, staged, review))
    assert items(conn) == [("bob", False)]


def test_an_accepted_import_records_its_signer_and_a_log_line(
    dsn: str, conn: Connection
) -> None:
    """Accepted: tracking rows go, the state is `accepted`, the signer set,
    and the log says "User 'rita' accepted import N."."""
    staged = pending(dsn, conn, "a")
    carry_out(dsn, conn, staged, accept=True)
    assert tracked(conn, staged) == 0
    assert state_of(conn, staged) == "accepted"
    assert signer_of(conn, staged) == "rita"
    assert log_of(conn, staged)[-1] == (
        "info",
        f"User 'rita' accepted import {staged}.",
    )


def test_declining_deletes_exactly_the_imports_staged_rows(
    dsn: str, conn: Connection
) -> None:
    """Declined: import.del_import deletes the import's staged rows, and no
    other import's; the import is `declined` and says by whom."""
    declined = pending(dsn, conn, "d1", "d2")
    kept = pending(dsn, conn, "k1")
    assert carry_out(dsn, conn, declined, accept=False) == "declined"
    assert items(conn) == [("k1", False)]
    assert (tracked(conn, declined), tracked(conn, kept)) == (0, 1)
    assert (state_of(conn, declined), signer_of(conn, declined)) == ("declined", "rita")
    line = ("info", f"User 'rita' declined import {declined}.")
    assert log_of(conn, declined)[-1] == line


def test_a_review_import_is_deleted_after_it_runs(dsn: str, conn: Connection) -> None:
    """Review jobs auto-accept and are deleted after they run."""
    staged = pending(dsn, conn, "a")
    review = imports.decide(conn, REGISTRY, staged, True, reviewer="rita")
    with running(dsn):
        wait_until(lambda: state_of(conn, review) is None)
    assert count(conn, "import.imports", "kind LIKE '%%#review'") == 0
    assert state_of(conn, staged) == "accepted"


def test_a_review_is_carried_out_in_one_transaction(dsn: str, conn: Connection) -> None:
    """Publishing, untracking and the final state commit together or not at
    all."""
    staged = pending(dsn, conn, "a")
    conn.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'not today'; END $$;"
        "CREATE TRIGGER refuse BEFORE UPDATE ON import.imports FOR EACH ROW"
        " WHEN (NEW.state = 'accepted') EXECUTE FUNCTION refuse()"
    )
    assert carry_out(dsn, conn, staged, accept=True) == "retrying"
    assert items(conn) == [("a", False)]
    assert tracked(conn, staged) == 1
    assert (state_of(conn, staged), signer_of(conn, staged)) == ("reviewed", None)


def test_carrying_out_a_decision_again_changes_nothing(
    dsn: str, conn: Connection
) -> None:
    """A review job run again after its decision was carried out changes
    nothing."""
    staged = pending(dsn, conn, "a")
    carry_out(dsn, conn, staged, accept=True)
    before = (log_of(conn, staged), items(conn), signer_of(conn, staged))
    again = column(
        conn,
        "INSERT INTO import.imports (kind, username, data)"
        " VALUES ('toy#review', 'bob', %s) RETURNING id",
        json.dumps({"id": staged, "accepted": False}),
    )
    with running(dsn):
        wait_until(lambda: state_of(conn, again) is None)
    assert state_of(conn, staged) == "accepted"
    assert (log_of(conn, staged), items(conn), signer_of(conn, staged)) == before


def test_review_data_that_names_no_import_fails_with_the_reason(
    dsn: str, conn: Connection
) -> None:
    """A review job that cannot be built from its data fails and says why."""
    bad = column(
        conn,
        "INSERT INTO import.imports (kind, username, data)"
        " VALUES ('toy#review', 'rita', '{\"id\": \"x\"}') RETURNING id",
    )
    after = submit(conn, {"action": "ok"})
    assert run_until_settled(dsn, conn, bad, after) == {bad: "failed", after: "pending"}
    [(level, line)] = [entry for entry in log_of(conn, bad) if entry[0] != "info"]
    assert level == "error"
    assert "integer 'id'" in line


def test_a_review_that_cannot_connect_fails_and_is_retried(
    dsn: str, conn: Connection, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A review job that fails, even before it could connect, is caught and
    retried; the caller is told "retrying"."""
    staged = pending(dsn, conn, "a")
    away, socket, link = moved(dsn, tmp_path)
    link.symlink_to(socket)
    settings = replace(FAST, store_retry=StoreRetry(10, 0.05, 0.2))
    with caplog.at_level(logging.WARNING), running(away, settings=settings) as handle:
        wait_until(lambda: handle.events)
        link.unlink()  # the claimer keeps its connection; new ones fail
        review = imports.decide(conn, REGISTRY, staged, True, reviewer="rita")
        wait_until(lambda: "storing state failed" in caplog.text)
        link.symlink_to(socket)
        outcome = wait_until(lambda: imports.review_outcome(conn, staged, review))
    assert outcome == "retrying"
    assert state_of(conn, staged) == "reviewed"


# Waiting for a decision


def test_review_outcome_is_none_while_the_review_waits(conn: Connection) -> None:
    """The caller can wait for the review job: nothing to report before it ran."""
    decided = marked_pending(conn)
    review = imports.decide(conn, REGISTRY, decided, True, reviewer="rita")
    assert imports.review_outcome(conn, decided, review) is None


def test_review_outcome_of_a_missing_import_is_refused(conn: Connection) -> None:
    """Waiting on an import that does not exist: "cannot find import #N"."""
    with pytest.raises(NotFound, match=r"^cannot find import #99$"):
        imports.review_outcome(conn, 99, 100)


def test_a_failed_review_is_retrying_and_the_decision_stands(
    dsn: str, conn: Connection
) -> None:
    """If the review job failed and will be retried, the caller is told
    "retrying"; the retry carries the decision out later."""
    staged = pending(dsn, conn, "a")
    conn.execute("REVOKE UPDATE ON toy.items FROM gemma_importer")
    review = imports.decide(conn, REGISTRY, staged, True, reviewer="rita")
    with running(dsn):
        assert (
            wait_until(lambda: imports.review_outcome(conn, staged, review))
            == "retrying"
        )
        [retry] = queued_after(conn, review)
        assert state_of(conn, review) is None
        assert (retry["kind"], retry["username"]) == ("toy#review", "rita")
        assert retry["trys_left"] == 199
        assert state_of(conn, staged) == "reviewed"
        conn.execute("GRANT UPDATE ON toy.items TO gemma_importer")
        conn.execute(
            "UPDATE import.imports SET due = now() WHERE id = %s", (retry["id"],)
        )
        wait_until(lambda: settled(conn, staged))
    assert imports.review_outcome(conn, staged, retry["id"]) == "accepted"
    assert items(conn) == [("a", True)]
    assert ("info", "failed but will retry") in log_of(conn, staged)
