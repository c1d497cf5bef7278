"""What the console reads of finished imports: recent failures, history.

Every read is bounded by an index and a limit, so that its cost does not
grow with the number of imports ever run.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.queue.imports import ImportRow

_Q = load("console")


@dataclass(frozen=True, slots=True)
class Failures:
    """The newest failures since a time, and how many there were in all."""

    rows: tuple[ImportRow, ...]
    total: int


def failed_since(conn: Connection, since: datetime, limit: int = 100) -> Failures:
    """Imports that failed at or after `since`, newest first."""
    params = {"since": since, "limit": limit}
    rows = conn.execute(_Q["failed_since"], params).fetchall()
    count = conn.execute(_Q["failed_count_since"], params).fetchone()
    total = int(count[0]) if count else 0
    return Failures(tuple(_import_row(row) for row in rows), total)


def _import_row(row: tuple[Any, ...]) -> ImportRow:
    summary = row[9]
    with contextlib.suppress(json.JSONDecodeError, TypeError):
        summary = json.loads(summary) if summary else None
    (import_id, state, kind, username, signer, enqueued, due, changed, tries) = row[:9]
    return ImportRow(
        import_id,
        state,
        kind,
        username,
        signer,
        enqueued,
        due,
        changed,
        tries,
        summary,
        int(row[10]),
        int(row[11]),
    )
