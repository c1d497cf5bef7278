"""What the console reads of finished imports: recent failures, history.

Every read is bounded by an index and a limit, so that its cost does not
grow with the number of imports ever run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.queue.filters import ImportFilter
from gemma_tui.queue.imports import ImportRow, import_row

_Q = load("console")


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One import as the history lists it."""

    id: int
    state: str
    kind: str
    username: str
    signer: str | None
    enqueued: datetime
    due: datetime
    changed: datetime


@dataclass(frozen=True, slots=True)
class Span:
    """The lowest and highest import ids; None on an empty table."""

    lowest: int | None
    highest: int | None


def older(
    conn: Connection, before: int | None, limit: int, where: ImportFilter
) -> list[HistoryRow]:
    """Up to `limit` imports with ids below `before` (None: the newest),
    newest first."""
    params = {"before": before, "limit": limit, **where.params()}
    return [HistoryRow(*row) for row in conn.execute(_Q["history_older"], params)]


def newer(
    conn: Connection, after: int | None, limit: int, where: ImportFilter
) -> list[HistoryRow]:
    """Up to `limit` imports with ids just above `after` (None: the oldest),
    newest first."""
    params = {"after": after, "limit": limit, **where.params()}
    rows = [HistoryRow(*row) for row in conn.execute(_Q["history_newer"], params)]
    return rows[::-1]


def span(conn: Connection) -> Span:
    row = conn.execute(_Q["history_span"]).fetchone()
    return Span(None, None) if row is None else Span(row[0], row[1])


def limit_statements(conn: Connection, seconds: float) -> None:
    """Makes the server cancel any statement of `conn` running longer."""
    milliseconds = str(int(seconds * 1000))
    conn.execute(_Q["limit_statements"], {"milliseconds": milliseconds})


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
    return Failures(tuple(import_row(row) for row in rows), total)
