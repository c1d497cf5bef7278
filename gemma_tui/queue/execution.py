"""Running one claimed import and storing how it ended.

The job runs as its submitting role; its outcome, the lines that go with
it and any retry are written in one transaction, with retries while the
database is away, by the runner's bookkeeper (gemma_tui.queue.bookkeeper),
together with those of other imports that end meanwhile. Every write is
conditional on the import still running for this runner, so a write
repeated after a lost commit can never apply twice.

Only that outcome waits for its commit to reach the disk. The claim, the
log lines and the job's own transaction commit without waiting: they are
visible at once all the same, and the outcome's synchronous commit, which
comes after them, flushes them too, the WAL being written in order. If the
server crashes before, the import's runner is gone with its connection, so
the import is run again, and a run deletes what an earlier run staged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from gemma_tui import errors
from gemma_tui.db import Connection, connect
from gemma_tui.db.pool import Pool
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.queue import mail, rules
from gemma_tui.queue.bookkeeper import Bookkeeper, Ending, StoreFailed, write_batch
from gemma_tui.queue.control import Claim
from gemma_tui.queue.feedback import ImportLog, sanitised
from gemma_tui.queue.kinds import Job, Registered, Registry, Unchanged
from gemma_tui.queue.review import ReviewJob

log = logging.getLogger(__name__)

_Q = load("queue")


@dataclass(slots=True)
class Outcome:
    """How a run ended, and the lines to write together with its state."""

    state: str
    summary: Any = None
    retry: rules.RetryDecision | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Executor:
    """Runs claimed imports against the database at `dsn`.

    Log lines and outcomes are written by `bookkeeper`; jobs run on `jobs`
    connections, which take the submitting role for each job and are reset
    before they are kept.
    """

    dsn: str
    registry: Registry
    bookkeeper: Bookkeeper
    jobs: Pool
    smtp: mail.SmtpSettings | None = None

    def run(self, claim: Claim, entry: Registered) -> tuple[str, int | None]:
        """Runs the import; returns its final state and any retry's id."""
        if entry.review:
            return self._run_review(claim)
        return self._run_job(claim, entry)

    def _run_job(self, claim: Claim, entry: Registered) -> tuple[str, int | None]:
        outcome = self._outcome(claim, entry, ImportLog(self.bookkeeper, claim.id))
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
        feedback = ImportLog(self.bookkeeper, claim.id)
        try:
            with connect(self.dsn) as conn:
                mail.tell_submitter(conn, self.smtp, notice, feedback)
        except GemmaError as error:
            feedback.info(f"no mail sent: {error}")

    def _outcome(self, claim: Claim, entry: Registered, feedback: ImportLog) -> Outcome:
        try:
            job = entry.kind.create(json.loads(claim.data or "null"))
        except Exception as error:
            line = f"cannot build the job of import #{claim.id}: {error}"
            return Outcome("failed", lines=[("error", line)])
        outcome = self._do(claim, job, feedback)
        if outcome.retry is None or not outcome.retry.retry:
            _cleanup(job, outcome)
        if outcome.state == "done":
            outcome.state = "accepted" if entry.auto_accept else "pending"
        return outcome

    def _do(self, claim: Claim, job: Job, feedback: ImportLog) -> Outcome:
        try:
            conn = self._job_connection(claim)
        except (psycopg.Error, GemmaError) as error:
            # A role that is gone must fail the import, not leave it running.
            return _failure(claim, error)
        try:
            summary = job.do(conn, claim.id, feedback)
            summary = json.loads(json.dumps(summary))
            conn.commit()
            return Outcome("done", summary)
        except Unchanged as reason:
            _roll_back(conn)
            return Outcome("unchanged", lines=[("info", f"unchanged: {reason}")])
        except BaseException as error:  # a job must never stop the runner
            _roll_back(conn)
            return _failure(claim, error)
        finally:
            # Kept only if it ended idle; the next job's start drops this
            # job's role and settings.
            self.jobs.give_back(conn)

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
        # The review writes its own line in its transaction, after these.
        feedback = ImportLog(self.bookkeeper, review.target, at_once=True)
        outcome = self._carry_out(claim, review, feedback)
        return outcome.state, self._store(claim, review.target, outcome, remove=True)

    def _carry_out(
        self, claim: Claim, review: ReviewJob, feedback: ImportLog
    ) -> Outcome:
        try:
            # Connecting is part of the job: failing to, it is retried too.
            with self.jobs.connection() as conn:
                conn.execute(_Q["clean_session"])
                review.carry_out(conn, self.registry, feedback)
            return Outcome(review.decision)
        except BaseException as error:  # a job must never stop the runner
            return _failure(claim, error)

    def _job_connection(self, claim: Claim) -> Connection:
        """A connection in a transaction begun as the submitting role, its
        session cleaned of what the job before left in it."""
        conn = self.jobs.take()
        try:
            if not conn.autocommit:  # a job before switched it off
                conn.autocommit = True
            conn.execute(begin_job(claim.id))
        except psycopg.Error as error:
            self.jobs.discard(conn, error)
            raise
        return conn

    def _store(
        self, claim: Claim, log_id: int, outcome: Outcome, *, remove: bool
    ) -> int | None:
        """Writes the outcome, its log lines and any retry in one transaction."""
        retry_id = self.bookkeeper.store(ending_of(claim, log_id, outcome, remove))
        log.info(
            "import %d ended %s",
            claim.id,
            outcome.state,
            extra={"import_id": claim.id, "action": outcome.state},
        )
        return retry_id


def begin_job(import_id: int) -> sql.Composed:
    """One round trip that begins a job's transaction: the job's connection
    is in autocommit mode, so the driver sends no BEGIN of its own, and
    `conn.commit()` ends the transaction begun here."""
    start = _Q.with_numbers("start_job", id=import_id)
    return sql.SQL("; ").join([_Q["begin"], _Q["clean_session"], start])


def ending_of(claim: Claim, log_id: int, outcome: Outcome, remove: bool) -> Ending:
    """The outcome as import.store_batch stores it, with the lines that go
    with it (into the log of import `log_id`) and any retry."""
    retry = outcome.retry if outcome.retry and outcome.retry.retry else None
    return Ending(
        target=claim.id,
        holder=claim.runner,
        remove=remove,
        state=outcome.state,
        summary=_summary_text(outcome.summary),
        log_to=log_id,
        lines=[(level, sanitised(message)) for level, message in outcome.lines],
        retry=retry is not None,
        tries=None if retry is None else retry.tries_left,
        wait=rules.clip_wait(claim.retry_wait),
    )


def write_outcome(
    conn: Connection, claim: Claim, log_id: int, outcome: Outcome, remove: bool
) -> int | None:
    """Stores the outcome with its lines and any retry, in one transaction,
    as the bookkeeper does. Returns the retry's id; None if there is none,
    or if nothing was written: the outcome was stored before, by a commit
    whose answer was lost, or the import was taken over by another runner
    while this one was taken for gone."""
    [(_, retry_id, failure)] = write_batch(
        conn, [ending_of(claim, log_id, outcome, remove)]
    )
    if failure is not None:
        raise StoreFailed(failure)
    return None if retry_id is None else int(retry_id)


def _failure(claim: Claim, error: BaseException) -> Outcome:
    outcome = Outcome("failed", lines=[("error", f"error in import: {_told(error)}")])
    tries = rules.clip_tries(claim.tries_left)
    outcome.retry = rules.decide_retry(tries, rules.clip_wait(claim.retry_wait))
    if outcome.retry.level and outcome.retry.message:
        outcome.lines.append((outcome.retry.level, outcome.retry.message))
    return outcome


def _told(error: BaseException) -> str:
    """The error as the import's log tells it.

    Expected faults (a bad file, a missing right, a constraint the data
    breaks) need no traceback: the database's own detail and hint say more
    than a stack through the driver would. Anything else is a bug in a job,
    and its traceback is what finds it.
    """
    if isinstance(error, GemmaError):
        return str(error).strip() or type(error).__name__
    if isinstance(error, psycopg.Error):
        return errors.database_story(error)
    head = str(error).strip() or type(error).__name__
    return head + "\n" + "".join(traceback.format_exception(error)).rstrip()


def _roll_back(conn: Connection) -> None:
    # A connection that is gone took its transaction with it.
    with contextlib.suppress(psycopg.OperationalError):
        conn.rollback()


def _cleanup(job: Job, outcome: Outcome) -> None:
    try:
        job.cleanup()
    except Exception as error:
        outcome.lines.append(("error", f"error in cleanup: {error}"))
        if outcome.state != "unchanged":
            outcome.state = "failed"


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
