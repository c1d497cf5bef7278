"""One import in full, as the console's detail view shows it.

Reads only the reference's tables and columns, so that it works on a
database without this product's additions too.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import NotFound

# The newest lines of an import's log that the detail view shows.
LOG_LIMIT = 2000
# The error lines shown in full, with their tracebacks.
ERROR_LIMIT = 50
# How many retries the chain follows each way.
CHAIN_DEPTH = 50

_Q = load("console")


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of an import's log."""

    time: datetime
    level: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportDetail:
    id: int
    state: str
    kind: str
    username: str
    signer: str | None
    enqueued: datetime
    due: datetime
    changed: datetime
    tries_left: int | None
    retry_wait: timedelta | None
    send_email: bool
    data: str | None
    summary: str | None
    warnings: int
    errors: int
    lines: int  # all log lines, of which `log` holds the newest
    log: tuple[Entry, ...]
    error_entries: tuple[Entry, ...]
    # The chain of retries this import belongs to, oldest first, this one
    # included; just (id,) when it has no predecessor or retry.
    retries: tuple[int, ...]


# The columns of the query `import_detail`: the fields up to `lines`.
_NAMES = [field.name for field in fields(ImportDetail)]
_COLUMNS = _NAMES[: _NAMES.index("lines") + 1]


def read_detail(
    conn: Connection, import_id: int, log_limit: int = LOG_LIMIT
) -> ImportDetail:
    """The import `import_id` in full; NotFound when there is none."""
    row = conn.execute(_Q["import_detail"], {"id": import_id}).fetchone()
    if row is None:
        raise NotFound(f"cannot find import #{import_id}")
    return ImportDetail(
        **dict(zip(_COLUMNS, row, strict=True)),
        log=_entries(conn, "import_log_tail", import_id, log_limit),
        error_entries=_entries(conn, "import_errors", import_id, ERROR_LIMIT),
        retries=retry_chain(conn, import_id),
    )


def retry_chain(conn: Connection, import_id: int) -> tuple[int, ...]:
    """The ids of the retries `import_id` belongs to, oldest first."""
    params = {"id": import_id, "depth": CHAIN_DEPTH}
    return tuple(int(row[0]) for row in conn.execute(_Q["retry_chain"], params))


def _entries(
    conn: Connection, query: str, import_id: int, limit: int
) -> tuple[Entry, ...]:
    rows = conn.execute(_Q[query], {"id": import_id, "limit": limit}).fetchall()
    return tuple(Entry(*row) for row in rows)
