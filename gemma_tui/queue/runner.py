"""The runner: claims due imports and runs them under dependency locks.

One thread claims, on the runner's control connection (gemma_tui.queue.
control), which keeps the runner known as live to the other runners on the
same database and holds the dependency locks of its imports. Every import
runs on a worker thread (gemma_tui.queue.execution); when it ends, it
frees its resources in this runner's table at once and hands the release
of their database locks to the claiming thread, the one user of the
control connection. An idle claiming thread sleeps until a notification
(gemma_tui.queue.wakeup), an ending import or the next due time wakes it,
or the poll interval passes. Now and then it looks for imports left
running by runners that are gone and queues them again.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from gemma_tui.db import Connection
from gemma_tui.db.pool import Pool
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.queue import mail
from gemma_tui.queue.bookkeeper import Bookkeeper
from gemma_tui.queue.control import Claim, Control
from gemma_tui.queue.events import (
    ImportFinished,
    ImportsRequeued,
    ImportStarted,
    LocksChanged,
    RunnerEvent,
    RunnerPaused,
    RunnerStarted,
    RunnerStopped,
    RunnerTrouble,
)
from gemma_tui.queue.execution import Executor, Outcome, write_outcome
from gemma_tui.queue.kinds import Registered, Registry
from gemma_tui.queue.locks import DependencyLocks, LockKeys
from gemma_tui.queue.store import StoreRetry
from gemma_tui.queue.wakeup import Listener
from gemma_tui.queue.workers import Workers

__all__ = ["Claim", "Outcome", "Runner", "RunnerSettings"]

log = logging.getLogger(__name__)

_Q = load("queue")

# Why imports left running are queued again.
GONE = "its runner is gone"

# Seconds an idle runner waits at most before it looks whether to stop.
_STOP_CHECK = 0.25


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    queue_role: str | None = None  # bookkeeping role; None: the login role
    # Seconds an idle runner waits at most when nothing wakes it.
    poll_interval: float = 0.5
    # Imports this runner runs at once.
    max_running: int = field(default_factory=lambda: os.cpu_count() or 1)
    drain_grace: float = 5.0  # seconds a stopping runner waits for imports
    store_retry: StoreRetry = field(default_factory=StoreRetry)
    smtp: mail.SmtpSettings | None = None  # None: imports asking for mail get none
    # Seconds between heartbeats and looks for runners that are gone.
    recover_interval: float = 5.0
    # Seconds without the database after which the runner stops and fails
    # (RunnerGaveUp); None: it waits for the database for ever.
    give_up: float | None = None


class RunnerGaveUp(GemmaError):
    """The database stayed away longer than the runner may wait for it."""


def _ignore(event: RunnerEvent) -> None:
    pass


@dataclass(frozen=True, slots=True)
class _Started:
    """What one claim started: how many imports; the kinds whose
    dependencies were free; whether a fair share held some of them back."""

    count: int
    kinds: list[str]
    limited: bool = False


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
        self.control = Control(dsn, self.settings.queue_role)
        self._deps = {e.name: e.dependencies for e in registry}
        self._keys = {name: LockKeys.of(deps) for name, deps in self._deps.items()}
        self._keys_json = json.dumps({k: v.spec() for k, v in self._keys.items()})
        # Imports whose database locks the control connection holds; only
        # the claiming thread touches it.
        self._locked: dict[int, LockKeys] = {}
        # Locks of imports that ended, not yet released.
        self._releasing: list[LockKeys] = []
        self._ended: queue.SimpleQueue[int] = queue.SimpleQueue()
        # Set when the claiming thread may find work: notified by the
        # database, or an import of this runner ended.
        self._wake = threading.Event()
        self.listener = Listener(
            dsn, self._wake, self._listener_trouble, me=lambda: self.runner_id
        )
        # Each running import, with the event its thread sets when it ends.
        self._threads: dict[int, threading.Event] = {}
        self._running_kinds: Counter[str] = Counter()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._next_tending = 0.0
        # Since when the database has failed every attempt, monotonic.
        self._troubled_since: float | None = None
        self._gave_up: str | None = None

    @property
    def runner_id(self) -> int | None:
        """This runner's id in the runners table, once it has registered."""
        return self.control.runner_id

    def run(self, stop: threading.Event) -> None:
        """Runs until `stop` is set, then drains; blocks the calling thread."""
        self._stop = stop
        self._workers = Workers("import", self.settings.max_running)
        executor = self._executor(stop)
        self._connect_until_ready()
        listening = self._listen(stop)
        started = False
        while not stop.is_set():
            # Cleared before looking, so a wake-up meanwhile is not lost.
            self._wake.clear()
            try:
                if not started:
                    # Inside the loop: a connection lost here is retried
                    # like any other, instead of ending the runner's thread.
                    self.report(RunnerStarted(self._recover()))
                    interval = self.settings.recover_interval
                    self._next_tending = time.monotonic() + interval
                    started = True
                self._collect_ended()
                self._tend()
                wait = self._claim_next(executor)
                self._release()
                # After the claim, which asks the server anyway: a woken
                # runner claims first.
                self.control.ping_if_quiet(self.settings.poll_interval)
                self._troubled_since = None
                self._idle(wait)
            except (psycopg.Error, GemmaError) as error:
                self._trouble(error)
        self._drain(executor)
        executor.jobs.close()
        listening.join(timeout=_STOP_CHECK * 4)
        if self._gave_up is not None:
            raise RunnerGaveUp(self._gave_up)

    def _executor(self, stop: threading.Event) -> Executor:
        slots = self.settings.max_running
        role = self.settings.queue_role

        def act_as_queue(conn: Connection) -> None:
            if role:
                conn.execute(_Q.with_identifiers("set_role", role=role))
            # Log lines need no flush of their own (gemma_tui.queue.execution).
            conn.execute(_Q["commit_without_flush"])

        # The bookkeeper's thread, and whoever writes after it has ended.
        bookkeeping = Pool(self.dsn, 2, prepare=act_as_queue)
        return Executor(
            self.dsn,
            self.registry,
            Bookkeeper(bookkeeping, self.settings.store_retry, stop),
            # Kept in autocommit mode: each job's transaction begins with
            # cleaning what the job before left in the session.
            jobs=Pool(self.dsn, slots, prepare=_prepare_job_connection),
            smtp=self.settings.smtp,
        )

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def pause(self, by: str) -> None:
        """Takes no new imports until `resume`; those running go on."""
        self._paused.set()
        log.info("paused by %s", by, extra={"action": "pause"})
        self.report(RunnerPaused(True, by))

    def resume(self, by: str) -> None:
        self._paused.clear()
        log.info("resumed by %s", by, extra={"action": "resume"})
        self.report(RunnerPaused(False, by))
        self._wake.set()

    def running(self) -> list[int]:
        with self._guard:
            return sorted(self._threads)

    # Tests call this to store an outcome the way a runner does.
    _write_outcome = staticmethod(write_outcome)

    # The claiming side.

    def _claim_next(self, executor: Executor) -> float:
        """Starts as many due imports as may run, up to the free slots.
        Returns how long the runner may wait for a wake-up before it looks
        again: 0 if it started one, less than the poll interval if an import
        comes due sooner."""
        poll = self.settings.poll_interval
        free = self.settings.max_running - len(self.running())
        if self.paused or free <= 0:
            return poll
        started = self._claim_fairly(free, executor, fair_only=True)
        if started.limited and started.count < free:
            more = self._claim_fairly(free - started.count, executor, fair_only=False)
            started = _Started(started.count + more.count, more.kinds)
        if started.count:
            return 0.0
        if not started.kinds:
            return poll
        due = self.control.next_due(started.kinds)
        return poll if due is None else max(min(due, poll), 0.0)

    def _claim_fairly(
        self, wanted: int, executor: Executor, *, fair_only: bool
    ) -> _Started:
        """Claims and starts up to `wanted` imports of the kinds whose
        dependencies are free here. With `fair_only`, only from kinds below
        their fair share of this runner's slots, and no more of each than
        that share allows; otherwise from any. A kind's backlog may fill
        idle slots, but whatever else comes due gets the next free one."""
        kinds = self.locks.free(self._deps)
        room = dict.fromkeys(kinds, wanted)
        if fair_only:
            share = max(1, self.settings.max_running // 2)
            with self._guard:
                room = {kind: share - self._running_kinds[kind] for kind in kinds}
        chosen = {kind: room[kind] for kind in kinds if room[kind] > 0}
        claims = self._claim(chosen, wanted) if chosen else []
        for claim in claims:
            self._locked[claim.id] = self._keys[claim.kind]
            # Only this thread acquires, and a batch's imports conflict with
            # nothing held here: what was available is still free.
            self.locks.acquire(claim.id, self._deps[claim.kind])
            self._start(claim, self.registry[claim.kind], executor)
        if claims and len(self.running()) == len(claims):
            # The runner was idle: what it just started gets the
            # interpreter now, not once this thread has prepared its next
            # claim. A busy runner does not yield: getting the interpreter
            # back from the other threads would cost it more.
            time.sleep(0)
        taken = Counter(claim.kind for claim in claims)
        limited = len(chosen) < len(kinds) or any(
            taken[kind] >= room[kind] for kind in taken
        )
        return _Started(len(claims), kinds, fair_only and limited)

    def _idle(self, seconds: float) -> None:
        """Waits for a wake-up, `seconds` at most, and no longer than until
        it is stopped or must tend."""
        deadline = min(time.monotonic() + seconds, self._next_tending)
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._wake.wait(min(left, _STOP_CHECK)):
                return

    def _listen(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(
            target=self.listener.run, args=(stop,), name="listener", daemon=True
        )
        thread.start()
        return thread

    def _collect_ended(self) -> None:
        """Marks the database locks of the imports that ended for release:
        along with the next claim, or on their own."""
        while not self._ended.empty():
            keys = self._locked.pop(self._ended.get(), None)
            if keys is not None:
                self._releasing.append(keys)

    def _release(self) -> None:
        """Releases the locks that no claim took along."""
        released, self._releasing = self._releasing, []
        if released:
            self.control.unlock(released)

    def _claim(self, room: dict[str, int], wanted: int) -> list[Claim]:
        released, self._releasing = self._releasing, []
        try:
            return self.control.claim(room, self._keys_json, wanted, released)
        except (psycopg.Error, GemmaError):
            if released:
                # Whether the failed statement released them is unknown,
                # and a second release could free a lock that another of
                # this runner's imports shares: the connection goes, with
                # every lock it held, and the reconnection takes those of
                # the running imports again.
                self.control.close()
            raise

    def _start(self, claim: Claim, entry: Registered, executor: Executor) -> None:
        ended = threading.Event()
        with self._guard:
            self._threads[claim.id] = ended
            self._running_kinds[claim.kind] += 1
        log.info(
            "starting import %d (%s)",
            claim.id,
            claim.kind,
            extra={"import_id": claim.id, "action": "claimed"},
        )
        self.report(ImportStarted(claim.id, claim.kind, claim.username))
        self._report_locks()
        self._workers.submit(lambda: self._run_import(claim, entry, executor, ended))

    def _recover(self) -> tuple[int, ...]:
        requeued = self.control.recover()
        # Reported, and so logged by whoever hosts the runner.
        for import_id in requeued:
            log.info(
                "re-queued import %d left running by a runner that is gone",
                import_id,
                extra={"import_id": import_id, "action": "requeued"},
            )
        return requeued

    def _tend(self) -> None:
        """Now and then, beats the heart and recovers for runners that are
        gone."""
        now = time.monotonic()
        if now < self._next_tending:
            return
        self._next_tending = now + self.settings.recover_interval
        self.control.heartbeat()
        if requeued := self._recover():
            self.report(ImportsRequeued(requeued, GONE))

    def _drain(self, executor: Executor) -> None:
        with self._guard:
            ends = list(self._threads.values())
        deadline = time.monotonic() + self.settings.drain_grace
        for ended in ends:
            ended.wait(timeout=max(deadline - time.monotonic(), 0.0))
        self._workers.close()
        # What the imports that ended said is written before the others go
        # back to the queue.
        executor.bookkeeper.close()
        unfinished = tuple(self.running())
        try:
            if unfinished:
                self.control.requeue(unfinished)
            self.control.unregister()
        except (psycopg.Error, GemmaError) as error:
            log.error("cannot re-queue unfinished imports %s: %s", unfinished, error)
        self.control.close()
        self.report(RunnerStopped(unfinished))

    # The control connection.

    def _connect_until_ready(self) -> None:
        wait = 1.0
        while not self._stop.is_set():
            try:
                reconnecting = self.control.identity is not None
                self.control.open()
                if reconnecting:
                    self._relock()
                    self._disown_strays()
                return
            except (psycopg.Error, GemmaError) as error:
                self._trouble(error, reconnect=False)
                self._stop.wait(wait)
                wait = min(wait * 2, 30.0)
                if self._give_up_now(error):
                    return

    def _relock(self) -> None:
        """Takes the locks of the imports still running again: they went
        with the connection that held them."""
        held, self._locked = self._locked, {}
        self._releasing = []  # gone with the connection that held them
        while not self._ended.empty():
            held.pop(self._ended.get(), None)
        for import_id, keys in held.items():
            if self.control.lock(keys):
                self._locked[import_id] = keys
            else:
                # Another runner took a resource while the connection was
                # away; nothing can stop this import any more.
                log.error(
                    "import %d runs without its dependency locks",
                    import_id,
                    extra={"import_id": import_id, "action": "lock-lost"},
                )

    def _disown_strays(self) -> None:
        strays = tuple(self.control.requeue_strays(self.running()))
        for import_id in strays:
            log.info(
                "re-queued import %d, claimed as the connection broke",
                import_id,
                extra={"import_id": import_id, "action": "requeued"},
            )
        if strays:
            self.report(ImportsRequeued(strays, "claimed as the connection broke"))

    def _listener_trouble(self, error: Exception) -> None:
        self.report(RunnerTrouble(_first_line(error)))

    def _trouble(self, error: Exception, *, reconnect: bool = True) -> None:
        message = _first_line(error)
        # Reported, and so logged by whoever hosts the runner.
        log.info("runner: %s", message, extra={"action": "db-error"})
        self.report(RunnerTrouble(message))
        if self._troubled_since is None:
            self._troubled_since = time.monotonic()
        if not reconnect or self._give_up_now(error):
            return
        if self.control.broken:
            self._connect_until_ready()
        else:
            # The connection lives (say, a statement was refused): keep it,
            # and with it the runner's liveness, but do not spin.
            self._stop.wait(1.0)

    def _give_up_now(self, error: Exception) -> bool:
        """Stops the runner if the database has been away too long."""
        limit = self.settings.give_up
        since = self._troubled_since
        if limit is None or since is None or time.monotonic() - since < limit:
            return False
        self._gave_up = (
            f"gave up after {limit:g} s without the database: {_first_line(error)}"
        )
        self._stop.set()
        return True

    # The running side: each import on a worker thread.

    def _run_import(
        self,
        claim: Claim,
        entry: Registered,
        executor: Executor,
        ended: threading.Event,
    ) -> None:
        retry_id: int | None = None
        state = "failed"
        try:
            state, retry_id = executor.run(claim, entry)
        except Exception:  # a bug of ours must not take the runner down
            log.exception("runner failed on import %d", claim.id)
        finally:
            self.locks.release(claim.id)
            self._ended.put(claim.id)
            with self._guard:
                self._threads.pop(claim.id, None)
                self._running_kinds[claim.kind] -= 1
            self._wake.set()
            self.report(ImportFinished(claim.id, claim.kind, state, retry_id))
            self._report_locks()
            ended.set()

    def _report_locks(self) -> None:
        # A snapshot costs more than the rest of an import's reports: none
        # is taken when nobody listens.
        if self.report is not _ignore:
            self.report(LocksChanged(tuple(self.locks.snapshot())))


def _prepare_job_connection(conn: Connection) -> None:
    # Each job's start deallocates every prepared statement (what a job
    # prepared must not reach the next), so the driver prepares none.
    conn.prepare_threshold = None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
