"""Benchmark of claiming, and of the console's queries, as history grows.

Not a test (pytest does not collect it, and nothing here asserts a time):
on a fresh database it times claims (one import at a time, each claim
also releasing the locks of the import before, as a runner does) while
the tables are empty, then fills them with a million finished imports
and five million log lines and times the same claims again; then it
prints the plans of the claim's choice and of every query the console
repeats while it watches. Run it as

    .venv/bin/python -m tests.bench_claims [--imports N] [--lines N]
        [--claims N] [--dsn DSN]

Without --dsn it starts the embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import sql

from gemma_tui.bench.kinds import kind_names, registry
from gemma_tui.db import Connection, connect
from gemma_tui.db.queries import load
from gemma_tui.queue.control import Control
from gemma_tui.queue.locks import LockKeys
from tests.bench_history import FILL, _database, _server

KINDS = 8
LINES_BATCH = 1_000_000

LINES = """
INSERT INTO import.import_logs (import_id, time, kind, msg)
SELECT %(offset)s + 1 + n %% %(imports)s,
       timestamptz '2020-01-01' + n * interval '6 seconds',
       (ARRAY['info', 'info', 'info', 'warn', 'error'])[1 + n %% 5]::log_type,
       'line ' || n
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
"""
ENQUEUE = """
INSERT INTO import.imports (kind, data)
SELECT (%(kinds)s::text[])[1 + n %% %(count)s], '{}'
FROM generate_series(1, %(claims)s) AS n
"""
FINISH = "UPDATE import.imports SET state = 'accepted' WHERE id = ANY(%(ids)s)"
# The statement inside import.claim_batch that chooses the next import.
CHOICE = """
SELECT * FROM import.imports i
WHERE i.state = 'queued'
  AND i.due <= CURRENT_TIMESTAMP
  AND i.kind = ANY(%(kinds)s)
ORDER BY i.kind LIKE '%%#review' DESC, i.enqueued, i.id
LIMIT 1
FOR UPDATE SKIP LOCKED
"""


def main() -> None:
    options = _arguments()
    with (
        _server(options.dsn) as server_dsn,
        _database(server_dsn) as dsn,
        connect(dsn) as conn,
    ):
        empty, empty_plan = _claims(conn, dsn, options.claims)
        _fill(conn, options.imports, options.lines)
        full, full_plan = _claims(conn, dsn, options.claims)
        print(f"\nclaims of one import (ms; p50 / p95 over {options.claims})")
        print(f"  empty tables   {_figures(empty)}   {empty_plan}")
        print(f"  full tables    {_figures(full)}   {full_plan}")
        ratio = statistics.median(full) / statistics.median(empty)
        print(f"  ratio of medians {ratio:.2f}")
        _plans(conn)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="server to create the database on")
    parser.add_argument("--imports", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--claims", type=int, default=2_000)
    return parser.parse_args()


def _claims(conn: Connection, dsn: str, count: int) -> tuple[list[float], str]:
    """Milliseconds each of `count` claims took, over queued imports of
    KINDS kinds, every claimed import finished before the next claim; and
    the plan of the claim's choice before the first."""
    names = kind_names(KINDS)
    conn.execute(ENQUEUE, {"kinds": names, "count": KINDS, "claims": count})
    conn.execute("VACUUM ANALYZE import.imports")
    scans, took = _explain(conn, sql.SQL(CHOICE), {"kinds": names})
    plan = f"choice {took}: {'; '.join(scans)}"
    keys = {kind.name: LockKeys.of(kind.dependencies) for kind in registry(KINDS)}
    deps = json.dumps({name: keys[name].spec() for name in names})
    control = Control(dsn, None)
    control.open()
    times: list[float] = []
    released: list[LockKeys] = []
    try:
        while True:
            started = time.perf_counter()
            claims = control.claim(dict.fromkeys(names, 1), deps, 1, released)
            times.append((time.perf_counter() - started) * 1000)
            if not claims:
                return times[:-1], plan
            released = [keys[claim.kind] for claim in claims]
            conn.execute(FINISH, {"ids": [claim.id for claim in claims]})
    finally:
        control.unregister()
        control.close()


def _fill(conn: Connection, imports: int, lines: int) -> None:
    started = time.perf_counter()
    conn.execute("ALTER TABLE import.imports DISABLE TRIGGER imports_notify")
    first_id = _scalar(conn, "SELECT COALESCE(max(id), 0) FROM import.imports")
    for first in range(1, imports + 1, 100_000):
        last = min(first + 99_999, imports)
        conn.execute(FILL, {"first": first, "last": last})
    conn.execute("ALTER TABLE import.imports ENABLE TRIGGER imports_notify")
    for first in range(1, lines + 1, LINES_BATCH):
        last = min(first + LINES_BATCH - 1, lines)
        params = {"offset": first_id, "imports": imports, "first": first, "last": last}
        conn.execute(LINES, params)
    conn.execute("VACUUM ANALYZE import.imports, import.import_logs")
    seconds = time.perf_counter() - started
    print(f"filled {imports:,} imports, {lines:,} log lines in {seconds:.0f} s")


def _plans(conn: Connection) -> None:
    """The plan and time of each query the console repeats, with the
    parameters it uses, and of the claim's choice."""
    newest = _scalar(conn, "SELECT max(id) FROM import.imports")
    seq = _scalar(conn, "SELECT max(seq) FROM import.import_logs")
    now = datetime.now(UTC)
    console = load("console")
    queue = load("queue")
    queries: list[tuple[str, sql.Composable, Mapping[str, Any]]] = [
        ("claim: choice", sql.SQL(CHOICE), {"kinds": kind_names(KINDS)}),
        ("live imports", queue["live_imports"], {"limit": 500}),
        ("log stream", queue["logs_after"], {"after": seq - 50, "limit": 1000}),
        ("log stream start", queue["recent_logs"], {"limit": 500}),
        ("last log line", queue["last_log_seq"], {}),
        ("failures", console["failed_since"], _since(now, 24)),
        ("failure count", console["failed_count_since"], _since(now, 24)),
        ("running", console["running_kinds"], {}),
        ("detail", console["import_detail"], {"id": newest - 7}),
        ("detail log", console["import_log_tail"], {"id": newest - 7, "limit": 200}),
        ("detail errors", console["import_errors"], {"id": newest - 7, "limit": 20}),
        ("retry chain", console["retry_chain"], {"id": newest - 7, "depth": 50}),
        ("history span", console["history_span"], {}),
    ]
    print("\nplans (the scans each uses; execution time of one run)")
    for label, query, params in queries:
        scans, took = _explain(conn, query, params)
        print(f"  {label:<17} {took:>8}  {'; '.join(scans)}")


def _since(now: datetime, hours: int) -> dict[str, Any]:
    return {"since": now - timedelta(hours=hours), "limit": 200}


def _explain(
    conn: Connection, query: sql.Composable, params: Mapping[str, Any]
) -> tuple[list[str], str]:
    explain = sql.SQL("EXPLAIN (ANALYZE, TIMING OFF) ") + query
    with conn.transaction(force_rollback=True):
        lines = [str(row[0]) for row in conn.execute(explain, params)]
    scans = list(dict.fromkeys(_scan(line) for line in lines if "Scan" in line))
    took = next((line for line in lines if line.startswith("Execution Time")), "")
    return scans, took.removeprefix("Execution Time: ")


def _scan(line: str) -> str:
    return line.strip().removeprefix("->").strip().split("  (")[0]


def _scalar(conn: Connection, query: str) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95)]
    return f"{statistics.median(ordered):.2f} / {p95:.2f}"


if __name__ == "__main__":
    main()
