"""Enqueueing and deciding imports, and reading them back.

Every write here runs as the role that asks for it, so the database's own
rights decide who may enqueue or review what.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import Cursor
from psycopg.rows import TupleRow

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import (
    BadJobData,
    GemmaError,
    NotFound,
    NotPending,
    PermissionDenied,
    UnknownKind,
    readable,
)
from gemma_tui.queue import rules
from gemma_tui.queue.kinds import REVIEW_SUFFIX, Registry

MAX_DATA_BYTES = 256 * 1024
# Every state an import may be in, as the enum import_state orders them.
STATES = (
    "queued",
    "running",
    "failed",
    "unchanged",
    "pending",
    "accepted",
    "declined",
    "reviewed",
)
LIVE_STATES = ("queued", "running", "pending", "reviewed")

_Q = load("queue")
_SURROGATE = re.compile("[\\ud800-\\udfff]")


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One import as lists show it."""

    id: int
    state: str
    kind: str
    username: str
    signer: str | None
    enqueued: datetime
    due: datetime
    changed: datetime
    tries_left: int | None
    summary: Any
    warnings: int
    errors: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "username": self.username,
            "signer": self.signer,
            "enqueued": self.enqueued.isoformat(),
            "due": self.due.isoformat(),
            "changed": self.changed.isoformat(),
            "tries_left": self.tries_left,
            "warnings": self.warnings,
            "errors": self.errors,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class LogLine:
    seq: int
    import_id: int
    time: datetime
    level: str
    message: str
    # The import's, as read with the line; None where not read, or where
    # the import is gone (review imports are deleted once they ran).
    kind: str | None = None
    username: str | None = None
    state: str | None = None


def check_data(text: str) -> Any:
    """The decoded job data, or a BadJobData saying what is wrong with it."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DATA_BYTES:
        raise BadJobData(f"job data is larger than {MAX_DATA_BYTES // 1024} KiB")
    try:
        decoded = json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise BadJobData(f"job data is not JSON: {error}") from None
    except RecursionError:
        raise BadJobData("job data is nested too deeply") from None
    except ValueError as error:  # say, an integer of 5000 digits
        raise BadJobData(f"job data is not usable JSON: {error}") from None
    try:
        strings = [text, *_strings(decoded)]
    except RecursionError:
        raise BadJobData("job data is nested too deeply") from None
    for string in strings:
        if "\x00" in string:
            raise BadJobData("job data contains a NUL character")
        if _SURROGATE.search(string):
            raise BadJobData("job data contains a lone surrogate")
    return decoded


def _not_json(constant: str) -> Any:
    # Python reads NaN and Infinity; other readers of the table do not.
    raise BadJobData(f"job data is not JSON: {constant} is not a JSON value")


def _strings(value: Any) -> Iterator[str]:
    """Every string in decoded JSON, keys included, escapes resolved."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def file_data(path: Path) -> str:
    """Job data naming the regular file `path`, as `{"file": "/absolute"}`,
    or a GemmaError in one line saying why `path` cannot be imported."""
    shown = repr(str(path))  # one line, whatever the name holds
    try:
        if path.is_dir():
            raise GemmaError(f"{shown} is a directory, not a file")
        if path.exists() and not path.is_file():
            raise GemmaError(f"{shown} is not a regular file")
        if not path.is_file():
            raise GemmaError(f"no such file: {shown}")
        absolute = str(path.resolve())
        absolute.encode("utf-8")
        with path.open("rb"):
            pass
    except UnicodeEncodeError:
        raise GemmaError(f"the file name {shown} is not valid UTF-8") from None
    except OSError as error:
        raise GemmaError(f"cannot read {shown}: {error.strerror}") from None
    return json.dumps({"file": absolute})


def enqueue(
    conn: Connection,
    registry: Registry,
    kind: str,
    data: str,
    *,
    user: str | None = None,
    due: datetime | timedelta | None = None,
    tries: int | None = None,
    retry_wait: timedelta | None = None,
    send_email: bool = False,
) -> int:
    """Queues an import as `user` (or the connection's role); returns its id.

    `due` is an instant, or a delay that the database adds to its own
    clock, so that every runner and console agrees on when that is.
    """
    check_job(registry, kind, data)
    params = {
        "kind": kind,
        **_due_params(due),
        "tries": rules.clip_tries(tries),
        "retry_wait": rules.clip_wait(retry_wait),
        "send_email": send_email,
        "data": data,
    }
    return _insert_as(conn, user, params)


# Due times a queue can mean: further out is a typo, and PostgreSQL can
# store instants that Python cannot read back.
EARLIEST_DUE = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_DUE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
LONGEST_DELAY = timedelta(days=3660)


def _due_params(due: datetime | timedelta | None) -> dict[str, Any]:
    if isinstance(due, timedelta):
        if not timedelta(0) <= due <= LONGEST_DELAY:
            raise GemmaError("a due delay must be 0 to 10 years")
        return {"due": None, "due_in": due}
    if due is not None:
        if due.tzinfo is None:
            raise GemmaError("due time has no time zone")
        if not EARLIEST_DUE <= due <= LATEST_DUE:
            raise GemmaError(f"due time {due.isoformat()} is not between 1970 and 9999")
    return {"due": due, "due_in": timedelta(0)}


def check_job(registry: Registry, kind: str, data: str) -> None:
    """Raises what `enqueue` would refuse `kind` and `data` for, short of
    the database's own checks (rights, the row itself)."""
    if kind not in registry or kind.endswith(REVIEW_SUFFIX):
        raise UnknownKind(f"unknown kind {kind!r}; known: {_known(registry)}")
    check_data(data)
    _check_buildable(registry, kind, data)


def _check_buildable(registry: Registry, kind: str, data: str) -> None:
    """Refuses data its kind cannot build a job from, before it is queued.

    Building a job only reads the data (a file is read when the job runs),
    so this costs nothing and spares a run that could only fail.
    """
    try:
        registry[kind].kind.create(json.loads(data))
    except Exception as error:  # a plugin's kind may raise anything
        reason = str(error) or type(error).__name__
        raise BadJobData(f"job data for {kind!r}: {reason}") from error


def decide(
    conn: Connection,
    registry: Registry,
    import_id: int,
    accept: bool,
    *,
    reviewer: str | None = None,
) -> int:
    """Records a decision on a pending import; returns the review import's id.

    The review import and the `reviewed` state are written in one
    transaction, with the import's row locked, so of two reviewers deciding
    at once exactly one wins.
    """
    try:
        with conn.transaction():
            _act_as(conn, reviewer)
            _state, kind = _lock_pending(conn, import_id)
            if kind not in registry:
                raise UnknownKind(f"#{import_id} has unknown kind {kind!r}")
            review_id = _insert_review(conn, kind, import_id, accept)
            conn.execute(_Q["mark_reviewed"], {"id": import_id})
    except psycopg.errors.InsufficientPrivilege as error:
        who = f"role {reviewer!r}" if reviewer else "this login role"
        raise PermissionDenied(
            f"{who} may not decide imports (is it a member of gemma_reviewer?):"
            f" {readable(error)}"
        ) from error
    except psycopg.Error as error:
        raise readable(error) from error
    return review_id


def check_role(conn: Connection, role: str) -> None:
    """Raises a readable error unless this session may act as `role`."""
    try:
        with conn.transaction():
            _act_as(conn, role)
    except psycopg.Error as error:
        raise readable(error) from error


def review_outcome(conn: Connection, import_id: int, review_id: int) -> str | None:
    """`accepted`/`declined` once carried out, `retrying` when the review
    import failed and was queued again, None while it is still waiting."""
    row = conn.execute(
        _Q["review_state"], {"id": import_id, "review_id": review_id}
    ).fetchone()
    if row is None:
        raise NotFound(f"cannot find import #{import_id}")
    state, review_queued = str(row[0]), bool(row[1])
    if state in ("accepted", "declined"):
        return state
    return None if review_queued else "retrying"


def imports_in(
    conn: Connection, states: tuple[str, ...], limit: int = 500
) -> list[ImportRow]:
    """Imports in the given states, newest first."""
    params = {"states": list(states), "limit": limit}
    rows = _read(conn, "imports_in_states", params).fetchall()
    return [import_row(row) for row in rows]


def live_imports(conn: Connection, limit: int = 500) -> list[ImportRow]:
    """The imports in LIVE_STATES, newest first, read through an index of
    those alone."""
    rows = _read(conn, "live_imports", {"limit": limit}).fetchall()
    return [import_row(row) for row in rows]


def get_import(conn: Connection, import_id: int) -> tuple[ImportRow, dict[str, Any]]:
    """One import and its details (data, retry wait, email flag)."""
    row = _read(conn, "import_by_id", {"id": import_id}).fetchone()
    if row is None:
        raise NotFound(f"cannot find import #{import_id}")
    details = {"data": row[12], "retry_wait": row[13], "send_email": row[14]}
    return import_row(row[:12]), details


def logs_of(conn: Connection, import_id: int) -> list[LogLine]:
    rows = _read(conn, "logs_of_import", {"id": import_id}).fetchall()
    return [LogLine(*row) for row in rows]


def logs_after(conn: Connection, after: int, limit: int = 1000) -> list[LogLine]:
    """Log lines of every import written after sequence number `after`."""
    rows = conn.execute(_Q["logs_after"], {"after": after, "limit": limit})
    return [LogLine(*row) for row in rows.fetchall()]


def recent_logs(conn: Connection, limit: int) -> list[LogLine]:
    rows = conn.execute(_Q["recent_logs"], {"limit": limit}).fetchall()
    return [LogLine(*row) for row in rows]


def _read(conn: Connection, query: str, params: dict[str, Any]) -> Cursor[TupleRow]:
    """Runs a read of the command line's, with its errors made readable."""
    try:
        return conn.execute(_Q[query], params)
    except psycopg.Error as error:
        raise readable(error) from error


def _insert_as(conn: Connection, user: str | None, params: dict[str, Any]) -> int:
    try:
        with conn.transaction():
            _act_as(conn, user)
            row = conn.execute(_Q["enqueue"], params).fetchone()
    except psycopg.Error as error:
        raise readable(error) from error
    assert row is not None
    return int(row[0])


def _act_as(conn: Connection, role: str | None) -> None:
    if role is not None:
        conn.execute(_Q.with_identifiers("set_local_role", role=role))


def _lock_pending(conn: Connection, import_id: int) -> tuple[str, str]:
    row = conn.execute(_Q["lock_for_decision"], {"id": import_id}).fetchone()
    if row is None:
        raise NotFound(f"cannot find import #{import_id}")
    state, kind = str(row[0]), str(row[1])
    if state != "pending":
        raise NotPending(f"#{import_id} is {state}, not pending")
    return state, kind


def _insert_review(conn: Connection, kind: str, import_id: int, accept: bool) -> int:
    params = {
        "kind": kind + REVIEW_SUFFIX,
        **_due_params(None),
        "tries": rules.REVIEW_TRIES,
        "retry_wait": rules.REVIEW_RETRY_WAIT,
        "send_email": False,
        "data": json.dumps({"id": import_id, "accepted": accept}),
    }
    row = conn.execute(_Q["enqueue"], params).fetchone()
    assert row is not None
    return int(row[0])


def import_row(row: tuple[Any, ...]) -> ImportRow:
    """An import from the columns every list query selects, in their order."""
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


def _known(registry: Registry) -> str:
    return ", ".join(entry.name for entry in registry.base_kinds()) or "none"
