"""`gemma-tui status`: whether the queue is served, for a service check.

Exit status 0: the database answers and at least one runner is live (its
liveness lock is held); 1: it answers but no runner is live; 2: it does
not answer. The database is only read: no migration, no registration.
"""

from __future__ import annotations

import json

from gemma_tui.config import DatabaseConfig
from gemma_tui.db import connect
from gemma_tui.db.server import Target, resolve
from gemma_tui.errors import GemmaError
from gemma_tui.queue.runners import RunnerRow, runners

LIVE = 0
NOT_LIVE = 1
UNREACHABLE = 2


def status(where: DatabaseConfig, origin: str, *, as_json: bool) -> int:
    try:
        target = resolve(where.dsn, where.data_dir, origin)
        with connect(target.dsn) as conn:
            rows = runners(conn)
    except GemmaError as error:
        return _unreachable(str(error), as_json)
    live = [row for row in rows if row.live]
    code = LIVE if live else NOT_LIVE
    if as_json:
        print(json.dumps(_record(code, target, live)))
    else:
        print(_line(target, live))
    return code


def _line(target: Target, live: list[RunnerRow]) -> str:
    place = target.describe()
    if not live:
        return f"not live: no live runner on {place}"
    running = sum(row.running for row in live)
    runner_word = "runner" if len(live) == 1 else "runners"
    return f"live: {len(live)} {runner_word}, {running} imports running, on {place}"


def _record(code: int, target: Target, live: list[RunnerRow]) -> dict[str, object]:
    return {
        "status": "live" if code == LIVE else "not live",
        "database": target.describe(),
        "runners": [row.as_json() for row in live],
    }


def _unreachable(reason: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"status": "unreachable", "error": reason}))
    else:
        print(f"unreachable: {reason}")
    return UNREACHABLE
