"""Benchmark of the history view over a million finished imports.

Not a test (pytest does not collect it, and nothing here asserts a time):
it fills a fresh database, then prints what paging the history costs in
the database and how long a key takes to reach the screen. Run it as

    .venv/bin/python -m tests.bench_history [--imports N] [--presses N]
        [--load] [--dsn DSN]

Without --dsn it starts the embedded PostgreSQL in a temporary directory.
--load keeps 200 live imports changing and writes 500 log lines a second
while the keys are pressed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial

from psycopg import sql
from textual import events

from gemma_tui.db import Connection, connect
from gemma_tui.db.migrate import migrate
from gemma_tui.db.queries import load
from gemma_tui.db.server import start_embedded, stop_embedded
from gemma_tui.kinds import load_kinds
from gemma_tui.queue.filters import ImportFilter, parse
from gemma_tui.queue.history import older, span
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.history import HistoryScreen
from gemma_tui.ui.historytable import HistoryTable
from tests.conftest import server_parent, with_database

BATCH = 100_000
PAGE = 200
FILTERS = (
    "",
    "state:failed",
    "state:queued",
    "kind:st",
    "user:carl",
    "user:nobody",
    "id:500000",
    "export_77",
)
LIVE = 200
TIMEOUT = 10.0
LINES_PER_SECOND = 500

FILL = """
INSERT INTO import.imports
    (state, kind, username, signer, enqueued, due, changed, data, summary)
SELECT (ARRAY['accepted', 'declined', 'failed', 'unchanged'])[1 + n %% 4]
           ::import_state,
       (ARRAY['gm', 'st'])[1 + n %% 2],
       (ARRAY['anna', 'bert', 'carl'])[1 + n %% 3],
       CASE WHEN n %% 4 < 2 THEN 'rita' END,
       timestamptz '2020-01-01' + n * interval '30 seconds',
       timestamptz '2020-01-01' + n * interval '30 seconds',
       timestamptz '2020-01-01' + n * interval '30 seconds' + interval '20 s',
       '{"file": "export_' || n || '.asc"}',
       '{"values": ' || n %% 600 || '}'
FROM generate_series(%(first)s::int, %(last)s::int) AS n
"""


def main() -> None:
    options = _arguments()
    with _server(options.dsn) as server_dsn, _database(server_dsn) as dsn:
        with connect(dsn) as conn:
            _fill(conn, options.imports)
            _paging(conn)
        load = _Load(dsn) if options.load else None
        try:
            asyncio.run(_key_to_paint(dsn, options.presses))
        finally:
            if load:
                load.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmemory: highest resident size of this process {rss:.0f} MB")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="server to create the database on")
    parser.add_argument("--imports", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--load", action="store_true")
    return parser.parse_args()


@contextmanager
def _server(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    with server_parent("gemma-tui-bench-") as directory:
        data = directory / "pgdata"
        try:
            yield start_embedded(data)
        finally:
            stop_embedded(data)


@contextmanager
def _database(server_dsn: str) -> Iterator[str]:
    database = f"gemma_tui_bench_{int(time.time())}"
    name = sql.Identifier(database)
    with connect(server_dsn) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    dsn = with_database(server_dsn, database)
    try:
        with connect(dsn) as conn:
            migrate(conn)
        yield dsn
    finally:
        with connect(server_dsn) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(name))


def _fill(conn: Connection, count: int) -> None:
    started = time.perf_counter()
    # A million notifications would only slow the fill; nobody listens yet.
    conn.execute("ALTER TABLE import.imports DISABLE TRIGGER imports_notify")
    for first in range(1, count + 1, BATCH):
        last = min(first + BATCH - 1, count)
        conn.execute(FILL, {"first": first, "last": last})
    conn.execute("ALTER TABLE import.imports ENABLE TRIGGER imports_notify")
    conn.execute("ANALYZE import.imports")
    seconds = time.perf_counter() - started
    print(f"filled {count:,} finished imports in {seconds:.1f} s")


def _paging(conn: Connection) -> None:
    """Pages of 200 by id from the newest, from random places, from the
    oldest, with and without filter terms."""
    conn.prepare_threshold = None  # as the history's reader does
    bounds = span(conn)
    low, high = bounds.lowest or 0, bounds.highest or 0
    print(f"\nhistory pages of {PAGE} rows (ms; p50 / p95 / max over 100 reads)")
    for text in FILTERS:
        where = parse(text)
        anchors = [None, low + PAGE, *(random.randint(low, high) for _ in range(98))]
        times = [_timed(partial(older, conn, a, PAGE, where)) for a in anchors]
        plan = _plan(conn, where)
        print(f"  {text or '(no filter)':<14} {_figures(times)}   {plan}")
    times = [_timed(lambda: span(conn)) for _ in range(100)]
    print(f"  {'span (ids)':<14} {_figures(times)}")
    where = ImportFilter()
    times = [_timed(lambda: older(conn, None, 1000, where)) for _ in range(20)]
    print(f"  {'window reread':<14} {_figures(times)}   (1,000 rows, newest)")


def _plan(conn: Connection, where: ImportFilter) -> str:
    query = sql.SQL("EXPLAIN ") + load("console")["history_older"]
    params = {"before": None, "limit": PAGE, **where.params()}
    lines = [str(row[0]) for row in conn.execute(query, params)]
    scans = [line.strip() for line in lines if "Scan" in line]
    return scans[0].split("  (")[0] if scans else lines[0]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    median = statistics.median(ordered)
    return f"{median:7.2f} / {p95:7.2f} / {ordered[-1]:7.2f}"


async def _key_to_paint(dsn: str, presses: int) -> None:
    """Time from a key press to the repainted cursor line, at 160x50.

    Each press is timed from the key event's arrival until the history
    has drawn the line of the import the cursor moved to, including any
    page read the move had to wait for and the screen's own frame pacing
    (60 frames a second at most).
    """
    app = ConsoleApp(
        dsn, load_kinds().registry, run_runner=False, clock=lambda: datetime.now(UTC)
    )
    app.animation_level = "none"
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("2")
        while not isinstance(app.screen, HistoryScreen):
            await asyncio.sleep(0.01)
        table = app.screen.query_one(HistoryTable)
        while not table.rows:
            await asyncio.sleep(0.01)
        print(f"\nkey to paint (ms; p50 / p95 / max), {presses} presses a key")
        for key in ("down", "pagedown", "up", "pageup"):
            times = [await _press(app, table, key) for _ in range(presses)]
            print(f"  {key:<14} {_figures(times)}")
        jumps = [await _press(app, table, key) for key in ("G", "g") * 10]
        print(f"  {'G and g':<14} {_figures(jumps)}")
        row = table.highlighted
        print(
            f"  (the cursor went through {len(table.rows)} rows held,"
            f" now on #{row.id if row else '-'})"
        )


async def _press(app: ConsoleApp, table: HistoryTable, key: str) -> float:
    # As a terminal driver delivers it: the pilot's own press waits for
    # the loop to idle, which would be counted too.
    redraws = table.redraws
    started = time.perf_counter()
    app.post_message(events.Key(key, key if len(key) == 1 else None))
    while time.perf_counter() - started < TIMEOUT:
        row = table.highlighted
        moved = table.redraws > redraws and not table.owing
        if moved and row is not None and table.painted == (row.id, table.redraws):
            break
        await asyncio.sleep(0.001)
    else:
        raise TimeoutError(f"{key} did not reach the screen in {TIMEOUT} s")
    return (time.perf_counter() - started) * 1000


class _Load:
    """200 live imports changing state and 500 log lines a second."""

    def __init__(self, dsn: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(dsn,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self, dsn: str) -> None:
        with connect(dsn) as conn:
            ids = [
                int(row[0])
                for row in conn.execute(
                    "INSERT INTO import.imports (kind, username, data)"
                    " SELECT 'gm', 'anna', '{}' FROM generate_series(1, %s::int)"
                    " RETURNING id",
                    (LIVE,),
                )
            ]
            while not self._stop.wait(0.1):
                self._tick(conn, ids)

    @staticmethod
    def _tick(conn: Connection, ids: list[int]) -> None:
        lines = LINES_PER_SECOND // 10
        conn.execute(
            "INSERT INTO import.import_logs (import_id, msg)"
            " SELECT (%s::bigint[])[1 + (random() * (%s - 1))::int], 'tick ' || n"
            " FROM generate_series(1, %s::int) AS n",
            (ids, len(ids), lines),
        )
        conn.execute(
            "UPDATE import.imports SET state = CASE state WHEN 'queued'"
            " THEN 'running'::import_state ELSE 'queued' END"
            " WHERE id = ANY(%s)",
            (random.sample(ids, 5),),
        )


if __name__ == "__main__":
    main()
