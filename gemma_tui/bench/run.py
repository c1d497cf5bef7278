"""Running the bench's three measurements; see the package's docstring."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.process import BaseProcess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gemma_tui.bench.figures import Figures, Spread
from gemma_tui.bench.kinds import kind_names
from gemma_tui.bench.processes import run_bare_client, run_runner
from gemma_tui.db import Connection, connect
from gemma_tui.db.migrate import migrate
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError

_Q = load("bench")
_QUEUE = load("queue")
_SPAWN = multiprocessing.get_context("spawn")
# Seconds between looks at how many imports are left while runners drain.
DRAIN_LOOK = 0.5
FINAL = ("accepted", "failed")
# Of the imports drained, this one in so many reads the clock for the
# claim-to-start figure; a read is a round trip the others do not make.
TIMED_EVERY = 20


@dataclass(frozen=True, slots=True)
class BenchSettings:
    imports: int = 20_000
    runners: int = 2
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    bare_clients: int = 4
    samples: int = 200  # imports enqueued one at a time to idle runners
    kinds: int = 0  # bench kinds; 0: four for every slot of every runner
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr)

    @property
    def kind_count(self) -> int:
        return self.kinds or 4 * self.runners * self.concurrency


def bench(server_dsn: str, settings: BenchSettings) -> Figures:
    """Runs the bench in a throw-away database on the server of `server_dsn`."""
    with throwaway_database(server_dsn) as dsn, connect(dsn) as conn:
        migrate(conn)
        server = str(_one(conn, "server"))
        settings.say("bare SQL lifecycle …")
        bare = _bare_rate(conn, dsn, settings)
        settings.say("runners draining the queue …")
        with _runners(dsn, settings) as processes:
            rate, claim_to_start, memory = _drain(conn, settings, processes)
            settings.say("idle runners, one import at a time …")
            idle_enqueue, idle_claim = _idle_latency(conn, dsn, settings)
    return Figures(
        imports=settings.imports,
        runners=settings.runners,
        concurrency=settings.concurrency,
        bare_clients=settings.bare_clients,
        server=server,
        cpus=os.cpu_count() or 0,
        runner_rate=rate,
        bare_rate=bare,
        claim_to_start=claim_to_start,
        idle_enqueue_to_start=idle_enqueue,
        idle_claim_to_start=idle_claim,
        runner_rss_mb=memory,
    )


@contextmanager
def throwaway_database(server_dsn: str) -> Iterator[str]:
    name = f"gemma_tui_bench_{os.getpid()}"
    with connect(server_dsn) as admin:
        admin.execute(_Q.with_identifiers("create_database", database=name))
    try:
        yield _with_database(server_dsn, name)
    finally:
        with connect(server_dsn) as admin:
            admin.execute(_Q.with_identifiers("drop_database", database=name))


def _bare_rate(conn: Connection, dsn: str, settings: BenchSettings) -> float:
    _enqueue(conn, settings)
    clients = settings.bare_clients
    ready = _SPAWN.Barrier(clients + 1)
    processes = [
        _SPAWN.Process(target=run_bare_client, args=(dsn, settings.kind_count, ready))
        for _ in range(clients)
    ]
    try:
        for process in processes:
            process.start()
        ready.wait(timeout=120)
        started = time.perf_counter()
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
    finally:
        _stop(processes)
    _check_all_ended(conn, settings, "bare SQL clients")
    return settings.imports / elapsed


@contextmanager
def _runners(dsn: str, settings: BenchSettings) -> Iterator[list[BaseProcess]]:
    processes: list[BaseProcess] = [
        _SPAWN.Process(
            target=run_runner, args=(dsn, settings.concurrency, settings.kind_count)
        )
        for _ in range(settings.runners)
    ]
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        _stop(processes)


def _stop(processes: Sequence[BaseProcess]) -> None:
    """Stops the processes still running: SIGTERM, then SIGKILL."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        if process.pid is not None:
            process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()


def _drain(
    conn: Connection, settings: BenchSettings, processes: list[BaseProcess]
) -> tuple[float, Spread, list[tuple[float, float, float]]]:
    _wait(lambda: _one(conn, "runners") == settings.runners, processes, "register")
    start = [_rss_mb(process.pid) for process in processes]
    after_id = int(_one(conn, "last_id"))
    _enqueue(conn, settings)
    half = settings.imports // 2
    # Counting reads the whole table: while the runners drain, the bench
    # looks seldom, so as not to take the server from them. The rate comes
    # from the imports' own times, not from when the bench looked.
    left = partial(_unsettled, conn, settings)
    _wait(lambda: left() <= half, processes, "drain half", every=DRAIN_LOOK)
    middle = [_rss_mb(process.pid) for process in processes]
    _wait(lambda: not left(), processes, "drain the queue", every=DRAIN_LOOK)
    _check_all_ended(conn, settings, "runners")
    times = _times(conn, settings, after_id)
    end = [_rss_mb(process.pid) for process in processes]
    memory = list(zip(start, middle, end, strict=True))
    rate = settings.imports / times[0][2] if times and times[0][2] else 0.0
    return rate, Spread.of([row[0] for row in times]), memory


def _idle_latency(
    conn: Connection, dsn: str, settings: BenchSettings
) -> tuple[Spread, Spread]:
    after_id = int(_one(conn, "last_id"))
    names = kind_names(settings.kind_count)
    with connect(dsn) as listener:
        listener.execute(_QUEUE["listen"])
        for number in range(settings.samples):
            time.sleep(0.02)  # the runners go idle
            row = conn.execute(
                _Q["enqueue_one"], {"kind": names[number % len(names)]}
            ).fetchone()
            if row is None:
                raise GemmaError("bench: cannot enqueue")
            _wait_for_end(conn, listener, int(row[0]))
    times = _times(conn, settings, after_id)
    return Spread.of([row[1] for row in times]), Spread.of([row[0] for row in times])


def _wait_for_end(conn: Connection, listener: Connection, import_id: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = conn.execute(_Q["state_of"], {"id": import_id}).fetchone()
        if state is not None and state[0] in FINAL:
            return
        for _ in listener.notifies(timeout=1.0, stop_after=1):
            pass
    raise GemmaError(f"bench: import #{import_id} did not end within a minute")


def _enqueue(conn: Connection, settings: BenchSettings) -> None:
    names = kind_names(settings.kind_count)
    kinds = [names[number % len(names)] for number in range(settings.imports)]
    conn.execute(_Q["enqueue_many"], {"kinds": kinds, "every": TIMED_EVERY})
    conn.execute(_Q["vacuum"])


def _times(
    conn: Connection, settings: BenchSettings, after_id: int
) -> list[tuple[float, float, float]]:
    params = {"kinds": kind_names(settings.kind_count), "after": after_id}
    rows = conn.execute(_Q["runner_times"], params).fetchall()
    return [(float(a), float(b), float(c)) for a, b, c in rows]


def _unsettled(conn: Connection, settings: BenchSettings) -> int:
    params = {"kinds": kind_names(settings.kind_count)}
    row = conn.execute(_Q["unsettled"], params).fetchone()
    return 0 if row is None else int(row[0])


def _check_all_ended(conn: Connection, settings: BenchSettings, who: str) -> None:
    params = {"kinds": kind_names(settings.kind_count)}
    row = conn.execute(_Q["failed"], params).fetchone()
    if row is not None and int(row[0]):
        raise GemmaError(f"bench: {row[0]} imports did not end accepted ({who})")


def _wait(
    check: Callable[[], bool],
    processes: list[BaseProcess],
    what: str,
    every: float = 0.05,
) -> None:
    while not check():
        if not any(process.is_alive() for process in processes):
            raise GemmaError(f"bench: the runner processes stopped before they {what}")
        time.sleep(every)


def _one(conn: Connection, query: str) -> int | str:
    row = conn.execute(_Q[query]).fetchone()
    if row is None or not isinstance(row[0], int | str):
        raise GemmaError(f"bench: no answer to {query}")
    return row[0]


def _rss_mb(pid: int | None) -> float:
    """A process's resident memory, from /proc (Linux); NaN elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text("ascii")
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _with_database(dsn: str, database: str) -> str:
    parts = {k: v for k, v in conninfo_to_dict(dsn).items() if v is not None}
    parts["dbname"] = database
    return make_conninfo("", **parts)
