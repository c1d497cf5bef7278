"""Claiming, dependency locks and running (contract §5 to §7) on a real
PostgreSQL, with a real runner in a thread."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gemma_tui.db import Connection
from gemma_tui.queue import imports, rules
from gemma_tui.queue.events import ImportFinished, RunnerStarted
from gemma_tui.queue.kinds import Feedback, Job, Kind, Registry
from gemma_tui.queue.locks import Holding
from gemma_tui.queue.runner import Claim, Outcome, Runner
from gemma_tui.queue.store import StoreRetry, store
from tests import toy
from tests.engine import (
    FAST,
    column,
    count,
    gates,
    in_state,
    log_of,
    moved,
    queued_after,
    run_until_settled,
    running,
    settled,
    state_of,
    states,
    submit,
    wait_until,
)

OK = {"action": "ok"}
FAIL = {"action": "fail"}
SOON = timedelta(seconds=3)
LATER = timedelta(seconds=60)


class WhoAmIJob(Job):
    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        return {"user": column(conn, "SELECT current_user")}


class WhoAmIKind(Kind):
    """Reports the role its job's connection acts as."""

    name = "whoami"
    description = "Who runs the job"

    def create(self, data: Any) -> Job:
        return WhoAmIJob()


class OddNameJob(Job):
    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        # What os.listdir gives for a name that is not UTF-8.
        return {"file": "gauge-\udcff.asc", "river": "Donau ä"}


class OddNameKind(Kind):
    """Sums up with a file name that cannot be encoded as UTF-8."""

    name = "oddname"
    description = "Summary with an undecodable file name"

    def create(self, data: Any) -> Job:
        return OddNameJob()


def summary_of(conn: Connection, import_id: int) -> Any:
    text = column(conn, "SELECT summary FROM import.imports WHERE id = %s", import_id)
    return None if text is None else json.loads(text)


def levels(conn: Connection, import_id: int, level: str) -> list[str]:
    return [message for kind, message in log_of(conn, import_id) if kind == level]


# §5 Claiming


def test_only_due_imports_are_claimed(dsn: str, conn: Connection) -> None:
    """Imports not yet due are passed over; one due soon runs once due."""
    now = datetime.now(UTC)
    near = submit(conn, OK, "other", due=now + SOON)
    far = submit(conn, OK, "other", due=now + LATER)
    after = submit(conn, OK, "other")
    with running(dsn):
        # `after` is younger than `far`: claiming it means `far` was passed over.
        wait_until(lambda: settled(conn, near, after))
        assert state_of(conn, far) == "queued"
        conn.execute("UPDATE import.imports SET due = now() - interval '1 s'")
        assert wait_until(lambda: settled(conn, far)) == {far: "pending"}


def test_a_retry_starts_once_due_and_not_before(dsn: str, conn: Connection) -> None:
    """A retry waits for its due time, by the database's clock, and starts
    within a second after it, with no poll to find it."""
    failed = submit(conn, FAIL, tries=1, retry_wait=timedelta(seconds=5))
    with running(dsn, settings=replace(FAST, poll_interval=30.0)):
        [retry] = wait_until(lambda: queued_after(conn, failed))
        wait_until(lambda: settled(conn, retry["id"]), timeout=15)
    started = column(
        conn,
        "SELECT min(time) FROM import.import_logs WHERE import_id = %s",
        retry["id"],
    )
    assert retry["due"] <= started < retry["due"] + timedelta(seconds=1)


def test_review_imports_are_claimed_before_older_imports(
    dsn: str, conn: Connection
) -> None:
    """Review imports (…#review) are claimed before all others, even older ones."""
    decided = submit(conn, OK)
    conn.execute(
        "UPDATE import.imports SET state = 'pending' WHERE id = %s", (decided,)
    )
    older = submit(conn, OK)
    review = imports.decide(conn, toy.registry(), decided, True, reviewer="rita")
    with running(dsn) as handle:
        wait_until(lambda: settled(conn, older, decided))
    assert handle.started() == [review, older]


def test_the_earliest_enqueued_import_is_claimed_first(
    dsn: str, conn: Connection
) -> None:
    """Among due imports, the earliest `enqueued` is claimed first."""
    first, second, third = (submit(conn, OK) for _ in range(3))
    # Oldest first: second, third, first; the ids say otherwise.
    for import_id, hours in ((second, 2), (third, 1)):
        conn.execute(
            "UPDATE import.imports SET enqueued = now() - %s * interval '1 h'"
            " WHERE id = %s",
            (hours, import_id),
        )
    with running(dsn) as handle:
        wait_until(lambda: settled(conn, first, second, third))
    assert handle.started() == [second, third, first]


def test_a_kind_no_runner_knows_stays_queued_untouched(
    dsn: str, conn: Connection
) -> None:
    """A job of a kind this runner has not registered stays queued, untouched."""
    unknown = submit(conn, OK, "other")
    known = submit(conn, OK)
    before = column(conn, "SELECT changed FROM import.imports WHERE id = %s", unknown)
    registry = Registry([toy.ToyKind()])
    assert run_until_settled(dsn, conn, known, registry=registry)
    assert state_of(conn, unknown) == "queued"
    after = column(conn, "SELECT changed FROM import.imports WHERE id = %s", unknown)
    assert after == before
    assert log_of(conn, unknown) == []


def test_a_claimed_import_becomes_running(dsn: str, conn: Connection) -> None:
    """The claimed job becomes `running`."""
    with running(dsn), gates("held") as gate:
        held = submit(conn, {"action": "block", "gate": "held"})
        wait_until(lambda: in_state(conn, "running", held))
        gate["held"].set()
        assert wait_until(lambda: settled(conn, held)) == {held: "pending"}


def test_imports_left_running_are_requeued_when_a_runner_starts(
    dsn: str, conn: Connection
) -> None:
    """At start, jobs left `running` go back to `queued`, with a line saying so."""
    left = submit(conn, OK)
    conn.execute("UPDATE import.imports SET state = 'running'")
    with running(dsn) as handle:
        assert wait_until(lambda: settled(conn, left)) == {left: "pending"}
    assert handle.events[0] == RunnerStarted((left,))
    (level, message), *rest = log_of(conn, left)
    assert level == "warn"
    assert "re-queued" in message.lower()
    assert ("info", "toy ok") in rest


def test_bookkeeping_runs_as_the_queue_role(dsn: str, conn: Connection) -> None:
    """Claims, states, log lines and recovery run as the queue's role, never
    as a job's user."""
    conn.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles"
        " WHERE rolname = 'queue_keeper') THEN CREATE ROLE queue_keeper; END IF;"
        " END $$;"
        "GRANT USAGE ON SCHEMA import TO queue_keeper;"
        "GRANT ALL ON ALL TABLES IN SCHEMA import TO queue_keeper;"
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA import TO queue_keeper;"
        "CREATE TABLE audit (who text, what text);"
        "GRANT INSERT ON audit TO PUBLIC;"
        "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " INSERT INTO audit VALUES (current_user, TG_TABLE_NAME || ' ' || TG_OP);"
        " RETURN NULL; END $$;"
        "CREATE TRIGGER audit AFTER UPDATE ON import.imports"
        " FOR EACH ROW EXECUTE FUNCTION audit();"
        "CREATE TRIGGER audit AFTER INSERT ON import.import_logs"
        " FOR EACH ROW EXECUTE FUNCTION audit();"
    )
    left = submit(conn, OK)
    conn.execute("UPDATE import.imports SET state = 'running'")
    conn.execute("DELETE FROM audit")
    fresh = submit(conn, {"action": "warn", "stage": ["x"]}, "other")
    settings = replace(FAST, queue_role="queue_keeper")
    with running(dsn, settings=settings):
        wait_until(lambda: settled(conn, left, fresh))
    writers = conn.execute("SELECT DISTINCT who FROM audit").fetchall()
    assert writers == [("queue_keeper",)]
    assert count(conn, "audit", "what = 'imports UPDATE'") == 5
    assert count(conn, "toy.items") == 1


# §6 Dependency locks


def test_imports_locking_one_resource_exclusively_never_run_at_once(
    dsn: str, conn: Connection
) -> None:
    """None of a job's exclusive resources may be held in any mode to start."""
    with running(dsn), gates("one", "two") as gate:
        one = submit(conn, {"action": "block", "gate": "one"})
        two = submit(conn, {"action": "block", "gate": "two"})
        probe = submit(conn, OK, "other")
        wait_until(lambda: in_state(conn, "running", one) and settled(conn, probe))
        assert state_of(conn, two) == "queued"
        gate["one"].set()
        wait_until(lambda: in_state(conn, "running", two))
        assert state_of(conn, one) == "pending"
        gate["two"].set()
        wait_until(lambda: settled(conn, two))


def test_shared_holders_run_together(dsn: str, conn: Connection) -> None:
    """Shared resources are held by any number of sharers at once."""
    with running(dsn) as handle, gates("r1", "r2"):
        r1 = submit(conn, {"action": "block", "gate": "r1"}, "reader")
        r2 = submit(conn, {"action": "block", "gate": "r2"}, "reader")
        wait_until(lambda: in_state(conn, "running", r1, r2))
        # The claim commits before the runner notes the holding it took.
        both = [("toys", "shared", (r1, r2))]
        wait_until(lambda: holdings(handle.runner.locks.snapshot()) == both)


def holdings(snapshot: list[Holding]) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(held.resource, held.mode, held.holders) for held in snapshot]


def test_a_shared_import_waits_while_an_exclusive_holder_runs(
    dsn: str, conn: Connection
) -> None:
    """A shared resource held exclusively keeps its sharers from starting."""
    with running(dsn), gates("toy") as gate:
        holder = submit(conn, {"action": "block", "gate": "toy"})
        sharer = submit(conn, OK, "reader")
        probe = submit(conn, OK, "other")
        wait_until(lambda: in_state(conn, "running", holder) and settled(conn, probe))
        assert state_of(conn, sharer) == "queued"
        gate["toy"].set()
        wait_until(lambda: settled(conn, holder, sharer))


def test_an_exclusive_import_waits_while_sharers_run(
    dsn: str, conn: Connection
) -> None:
    """An exclusive resource held shared keeps its exclusive taker waiting."""
    with running(dsn), gates("reader") as gate:
        sharer = submit(conn, {"action": "block", "gate": "reader"}, "reader")
        taker = submit(conn, OK)
        probe = submit(conn, OK, "other")
        wait_until(lambda: in_state(conn, "running", sharer) and settled(conn, probe))
        assert state_of(conn, taker) == "queued"
        gate["reader"].set()
        wait_until(lambda: settled(conn, sharer, taker))


def test_imports_with_disjoint_resources_run_at_once(
    dsn: str, conn: Connection
) -> None:
    """Jobs with disjoint resources run at the same time."""
    with running(dsn), gates("toy", "other"):
        one = submit(conn, {"action": "block", "gate": "toy"})
        two = submit(conn, {"action": "block", "gate": "other"}, "other")
        wait_until(lambda: in_state(conn, "running", one, two))


def test_imports_claimed_together_keep_every_dependency_rule(
    dsn: str, conn: Connection
) -> None:
    """Imports waiting when a runner with free slots starts are claimed
    together: sharers together, and none whose resources conflict with
    one claimed before it."""
    names = ("r1", "r2", "other", "toy")
    with gates(*names) as gate:
        r1, r2 = (
            submit(conn, {"action": "block", "gate": name}, "reader")
            for name in ("r1", "r2")
        )
        toy_import = submit(conn, {"action": "block", "gate": "toy"})
        first_other = submit(conn, {"action": "block", "gate": "other"}, "other")
        second_other = submit(conn, OK, "other")
        with running(dsn, settings=replace(FAST, max_running=4)) as handle:
            # The claim commits before the runner reports each start.
            wait_until(
                lambda: (
                    in_state(conn, "running", r1, r2, first_other)
                    and len(handle.started()) == 3
                )
            )
            assert handle.started() == [r1, r2, first_other]
            assert in_state(conn, "queued", toy_import, second_other)
            for event in gate.values():
                event.set()
            wait_until(lambda: settled(conn, toy_import, second_other))


def test_locks_are_released_however_an_import_ends(dsn: str, conn: Connection) -> None:
    """The locks are released when the job ends, however it ends."""
    endings = [OK, FAIL, {"action": "unchanged"}, {"action": "ok", "cleanup": "fail"}]
    ids = [submit(conn, data) for data in endings]
    ids.append(submit(conn, FAIL, tries=1, retry_wait=LATER))
    unbuildable = submit(conn, OK)
    conn.execute("UPDATE import.imports SET data = '[]' WHERE id = %s", (unbuildable,))
    ids.append(unbuildable)
    last = submit(conn, OK)
    with running(dsn) as handle:
        wait_until(lambda: settled(conn, *ids, last))
        wait_until(lambda: handle.runner.running() == [])
        assert handle.runner.locks.snapshot() == []
    assert state_of(conn, last) == "pending"


# §7 Running


@pytest.mark.parametrize(
    ("data", "reason"),
    [("[1, 2]", "toy data must be an object"), ("{", "Expecting property name")],
)
def test_data_that_cannot_build_a_job_fails_with_the_reason(
    dsn: str, conn: Connection, data: str, reason: str
) -> None:
    """If the job cannot be built from `data`, the import fails and says why."""
    bad = imports.enqueue(conn, toy.registry(), "toy", "{}", user="alice")
    conn.execute("UPDATE import.imports SET data = %s", (data,))
    assert run_until_settled(dsn, conn, bad) == {bad: "failed"}
    [line] = levels(conn, bad, "error")
    assert f"import #{bad}" in line
    assert reason in line


def test_do_runs_as_the_submitting_role(dsn: str, conn: Connection) -> None:
    """`do` runs with a connection acting as the role named by `username`."""
    registry = Registry([WhoAmIKind()])
    by_bob = imports.enqueue(conn, registry, "whoami", "{}", user="bob")
    by_rita = imports.enqueue(conn, registry, "whoami", "{}", user="rita")
    run_until_settled(dsn, conn, by_bob, by_rita, registry=registry)
    assert summary_of(conn, by_bob) == {"user": "bob"}
    assert summary_of(conn, by_rita) == {"user": "rita"}


def test_a_job_lacking_a_right_fails_with_a_permission_error(
    dsn: str, conn: Connection
) -> None:
    """The submitting role's rights apply to `do`: no right, a failed import,
    told as the database tells it, with no traceback through the driver."""
    conn.execute("REVOKE ALL ON toy.items FROM gemma_importer")
    denied = submit(conn, {"action": "ok", "stage": ["x"]})
    assert run_until_settled(dsn, conn, denied) == {denied: "failed"}
    [line] = levels(conn, denied, "error")
    assert line.splitlines() == [
        "error in import: permission denied for table items",
        "SQLSTATE 42501",
    ]
    assert count(conn, "toy.items") == 0


def test_a_constraint_the_data_breaks_is_told_with_the_server_detail(
    dsn: str, conn: Connection
) -> None:
    """A database error in `do` is logged with the server's detail and its
    code, so that the operator sees which row broke what."""
    conn.execute(
        "ALTER TABLE toy.items ADD CONSTRAINT short_label CHECK (length(label) < 5)"
    )
    broken = submit(conn, {"action": "ok", "stage": ["far too long"]})
    assert run_until_settled(dsn, conn, broken) == {broken: "failed"}
    [line] = levels(conn, broken, "error")
    head, detail, code = line.splitlines()
    assert head == (
        'error in import: database error: new row for relation "items"'
        ' violates check constraint "short_label"'
    )
    assert detail.startswith("detail: Failing row contains (")
    assert "far too long" in detail
    assert code == "SQLSTATE 23514"


def test_an_import_whose_role_cannot_be_assumed_fails(
    dsn: str, conn: Connection
) -> None:
    """A job that cannot act as its user fails with an error line; none hangs."""
    orphan = submit(conn, OK)
    conn.execute("UPDATE import.imports SET username = 'nobody_here'")
    after = submit(conn, OK)
    assert run_until_settled(dsn, conn, orphan, after) == {
        orphan: "failed",
        after: "pending",
    }
    [line] = levels(conn, orphan, "error")
    assert "nobody_here" in line


def test_a_job_exception_is_logged_with_its_traceback_and_the_runner_goes_on(
    dsn: str, conn: Connection
) -> None:
    """An exception in a job is logged with its traceback; the runner goes on."""
    broken = submit(conn, {"action": "fail", "message": "boom"})
    after = submit(conn, OK)
    result = run_until_settled(dsn, conn, broken, after)
    assert result == {broken: "failed", after: "pending"}
    [line] = levels(conn, broken, "error")
    assert line.startswith("error in import: boom\n")
    assert "Traceback (most recent call last)" in line
    assert "RuntimeError: boom" in line


def test_an_unchanged_import_ends_unchanged_with_the_reason(
    dsn: str, conn: Connection
) -> None:
    """A job signalling "nothing changed" ends `unchanged` with an info line."""
    same = submit(conn, {"action": "unchanged", "stage": ["x"]})
    assert run_until_settled(dsn, conn, same) == {same: "unchanged"}
    assert ("info", "unchanged: toy saw nothing new") in log_of(conn, same)
    assert count(conn, "toy.items") == 0


def test_no_wait_and_no_tries_left_means_no_retry(dsn: str, conn: Connection) -> None:
    """No wait and no tries left set: a failed import is not retried."""
    failed = submit(conn, FAIL)
    assert run_until_settled(dsn, conn, failed) == {failed: "failed"}
    assert queued_after(conn, failed) == []
    assert levels(conn, failed, "warn") == []
    assert len(levels(conn, failed, "info")) == 1  # "toy fail" only


def test_a_wait_without_tries_left_retries_without_limit(
    dsn: str, conn: Connection
) -> None:
    """A wait set and tries left unset: retry, and the retry retries again."""
    failed = submit(conn, FAIL, retry_wait=LATER)
    with running(dsn):
        [retry] = wait_until(lambda: queued_after(conn, failed))
        assert (retry["state"], retry["trys_left"]) == ("queued", None)
        assert retry["retry_wait"] == LATER
        conn.execute(
            "UPDATE import.imports SET due = now() WHERE id = %s", (retry["id"],)
        )
        [again] = wait_until(lambda: queued_after(conn, retry["id"]))
        assert (again["state"], again["trys_left"]) == ("queued", None)
    assert states(conn, failed, retry["id"]) == {
        failed: "failed",
        retry["id"]: "failed",
    }


def test_no_tries_left_warns_and_does_not_retry(dsn: str, conn: Connection) -> None:
    """Tries left below 1: a warning "no retries left", and no retry."""
    failed = submit(conn, FAIL, tries=0, retry_wait=timedelta(seconds=5))
    assert run_until_settled(dsn, conn, failed) == {failed: "failed"}
    assert levels(conn, failed, "warn") == ["no retries left"]
    assert queued_after(conn, failed) == []


def test_a_retry_is_a_new_queued_import_with_one_try_less(
    dsn: str, conn: Connection
) -> None:
    """Tries n: an info "failed but will retry" and a new queued job like it,
    with n-1 tries, due after the wait; the failed one stays failed."""
    data = {"action": "fail", "label": "retry-me"}
    failed = submit(conn, data, user="bob", tries=3, retry_wait=LATER, send_email=True)
    assert run_until_settled(dsn, conn, failed) == {failed: "failed"}
    [retry] = queued_after(conn, failed)
    assert retry["state"] == "queued"
    assert (retry["kind"], retry["username"], retry["send_email"]) == (
        "toy",
        "bob",
        True,
    )
    assert retry["data"] == json.dumps(data)
    assert (retry["trys_left"], retry["retry_wait"]) == (2, LATER)
    changed = column(conn, "SELECT changed FROM import.imports WHERE id = %s", failed)
    assert retry["due"] == changed + LATER  # one transaction, one clock
    # The mail line comes last, after the outcome is stored (tests/test_mail.py).
    *outcome, mailed = log_of(conn, failed)
    assert [level for level, _ in outcome] == ["info", "error", "info"]
    assert outcome[-1] == ("info", "failed but will retry")
    assert mailed == ("info", "no mail sent: no SMTP server is configured")
    assert "retry-me" not in toy.cleaned


def test_the_failed_state_and_its_retry_are_written_together(
    dsn: str, conn: Connection
) -> None:
    """The failed state and its retry are written together or not at all."""
    failed = submit(conn, FAIL, tries=3)
    conn.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'no retry today'; END $$;"
        "CREATE TRIGGER refuse BEFORE INSERT ON import.imports"
        " FOR EACH ROW EXECUTE FUNCTION refuse()"
    )
    with running(dsn) as handle:
        wait_until(lambda: any(isinstance(e, ImportFinished) for e in handle.events))
    assert state_of(conn, failed) == "running"
    assert queued_after(conn, failed) == []
    assert log_of(conn, failed) == [("info", "toy fail")]


def test_cleanup_runs_unless_the_import_will_be_retried(
    dsn: str, conn: Connection
) -> None:
    """`cleanup()` runs whether the job succeeded or not, but not on retry."""
    ids = [
        submit(conn, {"action": "ok", "label": "c-ok"}),
        submit(conn, {"action": "fail", "label": "c-fail"}),
        submit(conn, {"action": "unchanged", "label": "c-same"}),
        submit(conn, {"action": "fail", "label": "c-retry"}, tries=2, retry_wait=LATER),
    ]
    run_until_settled(dsn, conn, *ids)
    cleaned = [label in toy.cleaned for label in ("c-ok", "c-fail", "c-same")]
    assert cleaned == [True, True, True]
    assert "c-retry" not in toy.cleaned


def test_a_cleanup_failure_is_logged_and_fails_the_import(
    dsn: str, conn: Connection
) -> None:
    """A failing `cleanup()` is logged and makes the import `failed`."""
    messy = submit(conn, {"action": "ok", "cleanup": "fail"})
    assert run_until_settled(dsn, conn, messy) == {messy: "failed"}
    assert ("error", "error in cleanup: toy cleanup failure") in log_of(conn, messy)


def test_unchanged_outranks_a_cleanup_failure(dsn: str, conn: Connection) -> None:
    """Final state: `unchanged` first, even when cleanup then fails."""
    same = submit(conn, {"action": "unchanged", "cleanup": "fail"})
    assert run_until_settled(dsn, conn, same) == {same: "unchanged"}
    assert ("error", "error in cleanup: toy cleanup failure") in log_of(conn, same)


def test_final_states_are_failed_accepted_or_pending(
    dsn: str, conn: Connection
) -> None:
    """Final state: failed on error, accepted if the kind auto-accepts, else
    pending."""
    failed = submit(conn, FAIL, "other")
    accepted = submit(conn, OK, "auto")
    pending = submit(conn, {"action": "warn"})
    assert run_until_settled(dsn, conn, failed, accepted, pending) == {
        failed: "failed",
        accepted: "accepted",
        pending: "pending",
    }


def test_the_summary_is_stored_as_json(dsn: str, conn: Connection) -> None:
    """The job's summary is stored as JSON text with its final state."""
    done = submit(conn, {"action": "ok", "stage": ["a", "b"]})
    run_until_settled(dsn, conn, done)
    assert summary_of(conn, done) == {"action": "ok", "staged": 2}
    row, _ = imports.get_import(conn, done)
    assert row.summary == {"action": "ok", "staged": 2}


def test_a_summary_with_an_undecodable_name_is_stored(
    dsn: str, conn: Connection
) -> None:
    """The summary is stored as JSON even when it holds a lone surrogate."""
    registry = Registry([OddNameKind()])
    odd = imports.enqueue(conn, registry, "oddname", "{}", user="alice")
    assert run_until_settled(dsn, conn, odd, registry=registry) == {odd: "pending"}
    summary = {"file": "gauge-\udcff.asc", "river": "Donau ä"}
    assert summary_of(conn, odd) == summary


def test_rows_staged_by_a_failed_run_are_rolled_back(
    dsn: str, conn: Connection
) -> None:
    """What a failing `do` staged is rolled back: no rows, no tracking."""
    kept = submit(conn, {"action": "ok", "stage": ["kept"]})
    failed = submit(conn, {"action": "fail", "stage": ["a", "b"]})
    run_until_settled(dsn, conn, kept, failed)
    assert column(conn, "SELECT array_agg(label) FROM toy.items") == ["kept"]
    assert count(conn, "import.track_imports", "import_id = %s", failed) == 0


# §7 Storing the outcome


def failed_claim(conn: Connection) -> Claim:
    """A running import with three tries left, as the runner claimed it."""
    import_id = submit(conn, FAIL, tries=3, retry_wait=LATER)
    conn.execute("UPDATE import.imports SET state = 'running'")
    return Claim(import_id, "toy", 3, LATER, "alice", False, json.dumps(FAIL))


def failure(claim: Claim) -> Outcome:
    retry = rules.decide_retry(claim.tries_left, claim.retry_wait)
    return Outcome("failed", None, retry, [("error", "error in import: boom")])


QUICK = StoreRetry(attempts=5, first_wait=0.01, longest_wait=0.05)


def test_storing_is_retried_after_a_lost_connection(conn: Connection, dsn: str) -> None:
    """State writes are retried when the connection breaks under them."""
    calls: list[int] = []

    def write(store_conn: Connection) -> int:
        calls.append(int(column(store_conn, "SELECT pg_backend_pid()")))
        if len(calls) == 1:
            store_conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return len(calls)

    assert store(dsn, None, QUICK, threading.Event(), write) == 2
    assert calls[0] != calls[1]


class ComeBack(logging.Handler):
    """Makes the server reachable at `link` once a store attempt has failed."""

    def __init__(self, link: Path, socket: Path) -> None:
        super().__init__()
        self.link, self.socket, self.failures = link, socket, 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("storing state failed"):
            self.failures += 1
            if not self.link.exists():
                self.link.symlink_to(self.socket)


def test_storing_waits_for_a_server_that_comes_up_later(
    dsn: str, tmp_path: Path
) -> None:
    """While the database is unreachable, storing is retried until it is back."""
    later, socket, link = moved(dsn, tmp_path)
    handler = ComeBack(link, socket)
    logger = logging.getLogger("gemma_tui.queue.store")
    logger.addHandler(handler)
    try:
        result = store(
            later,
            None,
            StoreRetry(attempts=3, first_wait=0.05, longest_wait=0.2),
            threading.Event(),
            lambda store_conn: column(store_conn, "SELECT 42"),
        )
    finally:
        logger.removeHandler(handler)
    assert (result, handler.failures) == (42, 1)


def test_storing_gives_up_after_the_last_attempt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Storing stops after its last attempt and reports that it gave up."""
    with caplog.at_level(logging.WARNING, logger="gemma_tui.queue.store"):
        result = store(
            f"host={tmp_path} dbname=x",
            None,
            StoreRetry(attempts=3, first_wait=0.01, longest_wait=0.02),
            threading.Event(),
            lambda store_conn: 1,
        )
    assert result is None
    messages = [record.message for record in caplog.records]
    assert sum("attempt" in message for message in messages) == 3
    assert messages[-1] == "gave up storing state"


def test_a_repeated_outcome_write_changes_nothing(conn: Connection, dsn: str) -> None:
    """Storing is conditional on `running`: a write repeated after a lost
    commit answer adds no second retry and no second line."""
    claim = failed_claim(conn)
    outcome = failure(claim)
    answers: list[int | None] = []

    def write_and_lose_the_answer(store_conn: Connection) -> int | None:
        answers.append(
            Runner._write_outcome(store_conn, claim, claim.id, outcome, False)
        )
        if len(answers) == 1:
            raise psycopg.OperationalError("the commit's answer was lost")
        return answers[-1]

    result = store(dsn, None, QUICK, threading.Event(), write_and_lose_the_answer)
    assert answers[0] is not None
    assert result is None
    assert state_of(conn, claim.id) == "failed"
    assert [r["id"] for r in queued_after(conn, claim.id)] == [answers[0]]
    assert log_of(conn, claim.id) == [("error", "error in import: boom")]
