"""The runner: claims due imports and runs them under dependency locks.

One thread claims; every import runs in a thread of its own, as its
submitting role, and writes its outcome when it ends. Outcomes are written
with retries, and every write is conditional on the state it expects, so a
write repeated after a lost commit can never apply twice.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg

from gemma_tui.db import Connection, connect
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.queue import mail, rules
from gemma_tui.queue.events import (
    ImportFinished,
    ImportStarted,
    LocksChanged,
    RunnerEvent,
    RunnerStarted,
    RunnerStopped,
    RunnerTrouble,
)
from gemma_tui.queue.feedback import DatabaseFeedback, sanitised
from gemma_tui.queue.kinds import Job, Registered, Registry, Unchanged
from gemma_tui.queue.locks import DependencyLocks
from gemma_tui.queue.review import ReviewJob
from gemma_tui.queue.store import StoreRetry, store

log = logging.getLogger(__name__)

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    queue_role: str | None = None  # bookkeeping role; None: the login role
    poll_interval: float = 0.5  # seconds an idle runner waits for a wake-up
    max_running: int = 4
    drain_grace: float = 5.0  # seconds a stopping runner waits for imports
    store_retry: StoreRetry = field(default_factory=StoreRetry)
    smtp: mail.SmtpSettings | None = None  # None: imports asking for mail get none


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    kind: str
    tries_left: int | None
    retry_wait: timedelta | None
    username: str
    send_email: bool
    data: str | None


@dataclass(slots=True)
class Outcome:
    """How a run ended, and the lines to write together with its state."""

    state: str
    summary: Any = None
    retry: rules.RetryDecision | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)


def _ignore(event: RunnerEvent) -> None:
    pass


class Runner:
    """Runs the imports of the kinds in `registry` from the database at `dsn`."""

    def __init__(
        self,
        dsn: str,
        registry: Registry,
        settings: RunnerSettings | None = None,
        report: Callable[[RunnerEvent], None] = _ignore,
    ) -> None:
        self.dsn = dsn
        self.registry = registry
        self.settings = settings or RunnerSettings()
        self.report = report
        self.locks = DependencyLocks()
        self._threads: dict[int, threading.Thread] = {}
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._conn: Connection | None = None

    def run(self, stop: threading.Event) -> None:
        """Runs until `stop` is set, then drains; blocks the calling thread."""
        self._stop = stop
        self._connect_until_ready()
        if not stop.is_set():
            self.report(RunnerStarted(self._recover()))
        while not stop.is_set():
            try:
                if not self._claim_and_start():
                    self._wait_for_work()
            except (psycopg.Error, GemmaError) as error:
                self._trouble(error)
                self._connect_until_ready()
        self._drain()

    def running(self) -> list[int]:
        with self._guard:
            return sorted(self._threads)

    # The claiming side.

    def _claim_and_start(self) -> bool:
        """Starts one import if one is due and may run; True if it did."""
        if len(self.running()) >= self.settings.max_running:
            return False
        kinds = [e.name for e in self.registry if self.locks.available(e.dependencies)]
        if not kinds:
            return False
        row = self._db().execute(_Q["claim"], {"kinds": kinds}).fetchone()
        if row is None:
            return False
        claim = Claim(*row)
        entry = self.registry[claim.kind]
        # Only this thread acquires, so what was available is still free.
        self.locks.acquire(claim.id, entry.dependencies)
        self._start(claim, entry)
        return True

    def _start(self, claim: Claim, entry: Registered) -> None:
        thread = threading.Thread(
            target=self._run_import,
            args=(claim, entry),
            name=f"import-{claim.id}",
            daemon=True,
        )
        with self._guard:
            self._threads[claim.id] = thread
        log.info(
            "starting import %d (%s)",
            claim.id,
            claim.kind,
            extra={"import_id": claim.id, "action": "start"},
        )
        self.report(ImportStarted(claim.id, claim.kind, claim.username))
        self.report(LocksChanged(tuple(self.locks.snapshot())))
        thread.start()

    def _wait_for_work(self) -> None:
        # Any change to an import notifies, so a finished import, a new one
        # or a decision wakes the claimer; the timeout is the fallback poll.
        for _ in self._db().notifies(timeout=self.settings.poll_interval, stop_after=1):
            pass

    def _recover(self) -> tuple[int, ...]:
        # TODO(#6): re-queue only imports whose runner is gone, so that a
        # second runner on the same database leaves the first one's alone.
        rows = self._db().execute(_Q["requeue_running"]).fetchall()
        requeued = tuple(int(row[0]) for row in rows)
        for import_id in requeued:
            log.warning(
                "re-queued import %d left running by a stopped runner",
                import_id,
                extra={"import_id": import_id, "action": "requeue"},
            )
        return requeued

    def _drain(self) -> None:
        with self._guard:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout=self.settings.drain_grace / max(len(threads), 1))
        unfinished = tuple(self.running())
        if unfinished:
            self._requeue(unfinished)
        self.report(RunnerStopped(unfinished))
        if self._conn is not None:
            self._conn.close()

    def _requeue(self, ids: tuple[int, ...]) -> None:
        try:
            self._db().execute(_Q["requeue_ids"], {"ids": list(ids)})
        except (psycopg.Error, GemmaError) as error:
            log.error("cannot re-queue unfinished imports %s: %s", ids, error)

    # The connection of the claiming side.

    def _db(self) -> Connection:
        if self._conn is None or self._conn.closed:
            raise GemmaError("the runner has no database connection")
        return self._conn

    def _connect_until_ready(self) -> None:
        wait = 1.0
        while not self._stop.is_set():
            try:
                self._conn = self._bookkeeping_connection()
                self._conn.execute(_Q["listen"])
                return
            except (psycopg.Error, GemmaError) as error:
                self._trouble(error)
                self._stop.wait(wait)
                wait = min(wait * 2, 30.0)

    def _bookkeeping_connection(self) -> Connection:
        conn = connect(self.dsn)
        if self.settings.queue_role:
            conn.execute(_Q.with_identifiers("set_role", role=self.settings.queue_role))
        return conn

    def _trouble(self, error: Exception) -> None:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        log.error("runner: %s", message, extra={"action": "db-error"})
        self.report(RunnerTrouble(message or type(error).__name__))
        if self._conn is not None:
            self._conn.close()

    # The running side: one thread per import.

    def _run_import(self, claim: Claim, entry: Registered) -> None:
        retry_id: int | None = None
        state = "failed"
        try:
            if entry.review:
                state, retry_id = self._run_review(claim)
            else:
                state, retry_id = self._run_job(claim, entry)
        except Exception:  # a bug of ours must not take the runner down
            log.exception("runner failed on import %d", claim.id)
        finally:
            self.locks.release(claim.id)
            with self._guard:
                self._threads.pop(claim.id, None)
            self.report(ImportFinished(claim.id, claim.kind, state, retry_id))
            self.report(LocksChanged(tuple(self.locks.snapshot())))

    def _run_job(self, claim: Claim, entry: Registered) -> tuple[str, int | None]:
        feedback = DatabaseFeedback(self.dsn, claim.id, self.settings.queue_role)
        try:
            outcome = self._outcome(claim, entry, feedback)
        finally:
            feedback.close()
        retry_id = self._store(claim, claim.id, outcome, remove=False)
        if claim.send_email:
            # After the outcome is stored: a mail never changes it.
            self._mail(claim, entry, outcome.state, retry_id)
        return outcome.state, retry_id

    def _mail(
        self, claim: Claim, entry: Registered, state: str, retry_id: int | None
    ) -> None:
        notice = mail.Notice(
            claim.id, claim.kind, entry.description, claim.username, state, retry_id
        )
        feedback = DatabaseFeedback(self.dsn, claim.id, self.settings.queue_role)
        try:
            with connect(self.dsn) as conn:
                mail.tell_submitter(conn, self.settings.smtp, notice, feedback)
        except GemmaError as error:
            feedback.info(f"no mail sent: {error}")
        finally:
            feedback.close()

    def _outcome(
        self, claim: Claim, entry: Registered, feedback: DatabaseFeedback
    ) -> Outcome:
        try:
            job = entry.kind.create(json.loads(claim.data or "null"))
        except Exception as error:
            line = f"cannot build the job of import #{claim.id}: {error}"
            return Outcome("failed", lines=[("error", line)])
        outcome = self._do(claim, job, feedback)
        if outcome.retry is None or not outcome.retry.retry:
            self._cleanup(job, outcome)
        if outcome.state == "done":
            outcome.state = "accepted" if entry.auto_accept else "pending"
        return outcome

    def _do(self, claim: Claim, job: Job, feedback: DatabaseFeedback) -> Outcome:
        try:
            conn = self._job_connection(claim.username)
        except (psycopg.Error, GemmaError) as error:
            # A role that is gone must fail the import, not leave it running.
            return self._failure(claim, error)
        try:
            # Rows staged by an earlier, interrupted run of this import.
            conn.execute(_Q["del_import"], {"id": claim.id})
            summary = job.do(conn, claim.id, feedback)
            summary = json.loads(json.dumps(summary))
            conn.commit()
            return Outcome("done", summary)
        except Unchanged as reason:
            conn.rollback()
            return Outcome("unchanged", lines=[("info", f"unchanged: {reason}")])
        except BaseException as error:  # a job must never stop the runner
            conn.rollback()
            return self._failure(claim, error)
        finally:
            conn.close()

    def _failure(self, claim: Claim, error: BaseException) -> Outcome:
        head = str(error).strip() or type(error).__name__
        if not isinstance(error, GemmaError):
            # Expected faults (a bad file, a missing right) need no traceback.
            head += "\n" + "".join(traceback.format_exception(error)).rstrip()
        outcome = Outcome("failed", lines=[("error", f"error in import: {head}")])
        tries = rules.clip_tries(claim.tries_left)
        outcome.retry = rules.decide_retry(tries, rules.clip_wait(claim.retry_wait))
        if outcome.retry.level and outcome.retry.message:
            outcome.lines.append((outcome.retry.level, outcome.retry.message))
        return outcome

    @staticmethod
    def _cleanup(job: Job, outcome: Outcome) -> None:
        try:
            job.cleanup()
        except Exception as error:
            outcome.lines.append(("error", f"error in cleanup: {error}"))
            if outcome.state != "unchanged":
                outcome.state = "failed"

    def _run_review(self, claim: Claim) -> tuple[str, int | None]:
        try:
            review = ReviewJob.from_data(
                json.loads(claim.data or "null"), claim.username
            )
        except (GemmaError, ValueError) as error:
            # With no target to log to, the review import keeps the reason
            # itself: it stays, failed, like any import that cannot be built.
            outcome = Outcome("failed", lines=[("error", f"bad review data: {error}")])
            return "failed", self._store(claim, claim.id, outcome, remove=False)
        feedback = DatabaseFeedback(self.dsn, review.target, self.settings.queue_role)
        try:
            outcome = self._carry_out(claim, review, feedback)
        finally:
            feedback.close()
        return outcome.state, self._store(claim, review.target, outcome, remove=True)

    def _carry_out(
        self, claim: Claim, review: ReviewJob, feedback: DatabaseFeedback
    ) -> Outcome:
        try:
            # Connecting is part of the job: failing to, it is retried too.
            with connect(self.dsn) as conn:
                review.carry_out(conn, self.registry, feedback)
            return Outcome(review.decision)
        except BaseException as error:  # a job must never stop the runner
            return self._failure(claim, error)

    def _job_connection(self, role: str) -> Connection:
        conn = connect(self.dsn)
        try:
            conn.execute(_Q.with_identifiers("set_role", role=role))
        except psycopg.Error:
            conn.close()
            raise
        conn.autocommit = False
        return conn

    def _store(
        self, claim: Claim, log_id: int, outcome: Outcome, *, remove: bool
    ) -> int | None:
        """Writes the outcome, its log lines and any retry in one transaction."""
        retry_id = store(
            self.dsn,
            self.settings.queue_role,
            self.settings.store_retry,
            self._stop,
            lambda conn: self._write_outcome(conn, claim, log_id, outcome, remove),
        )
        log.info(
            "import %d ended %s",
            claim.id,
            outcome.state,
            extra={"import_id": claim.id, "action": outcome.state},
        )
        return retry_id

    @staticmethod
    def _write_outcome(
        conn: Connection, claim: Claim, log_id: int, outcome: Outcome, remove: bool
    ) -> int | None:
        with conn.transaction():
            if remove:
                done = conn.execute(_Q["delete_import"], {"id": claim.id}).rowcount
            else:
                params = {
                    "id": claim.id,
                    "state": outcome.state,
                    "summary": _summary_text(outcome.summary),
                }
                done = len(conn.execute(_Q["finish"], params).fetchall())
            if not done:
                # Written before, by a commit whose answer was lost.
                return None
            for level, message in outcome.lines:
                line = {"id": log_id, "level": level, "msg": sanitised(message)}
                conn.execute(_Q["log"], line)
            return _insert_retry(conn, claim, outcome)


def _insert_retry(conn: Connection, claim: Claim, outcome: Outcome) -> int | None:
    if outcome.retry is None or not outcome.retry.retry:
        return None
    params = {
        "kind": claim.kind,
        "tries": outcome.retry.tries_left,
        "wait": rules.clip_wait(claim.retry_wait),
        "username": claim.username,
        "send_email": claim.send_email,
        "data": claim.data,
    }
    row = conn.execute(_Q["retry"], params).fetchone()
    return None if row is None else int(row[0])


def _summary_text(summary: Any) -> str | None:
    if summary is None:
        return None
    text = json.dumps(summary, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (say, undecodable file names) cannot be stored as
        # UTF-8; as JSON escapes they can, and they read back the same.
        return json.dumps(summary)
    return text
