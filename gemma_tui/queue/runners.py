"""The runners that share a database, as the console and `runners` list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import readable

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class RunnerRow:
    id: int
    host: str
    pid: int
    started: datetime
    heartbeat: datetime
    live: bool  # its liveness lock is held: the process and its connection live
    imports: tuple[int, ...]  # the imports it runs now, by id

    @property
    def running(self) -> int:
        """How many imports it runs now."""
        return len(self.imports)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "pid": self.pid,
            "started": self.started.isoformat(),
            "heartbeat": self.heartbeat.isoformat(),
            "live": self.live,
            "running": self.running,
            "imports": list(self.imports),
        }


def runners(conn: Connection) -> list[RunnerRow]:
    """Every registered runner, oldest first; none on a database laid out
    like the reference's, which has no runners table."""
    try:
        rows = conn.execute(_Q["runners"]).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
    except psycopg.Error as error:
        raise readable(error) from error
    return [
        RunnerRow(int(i), str(h), int(p), s, b, bool(live), tuple(ids))
        for i, h, p, s, b, live, ids in rows
    ]
