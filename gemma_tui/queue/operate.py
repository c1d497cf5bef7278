"""What an operator does besides deciding: queue a new import, retry a
failed import now, cancel a queued one.

Each runs as the operator's role (so the database's rights decide who may)
in one transaction, with the import's row locked when it acts on one,
re-checks the state there, and writes a line naming that role into the
import's log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError, NotFound, PermissionDenied, readable
from gemma_tui.queue import imports
from gemma_tui.queue.kinds import Registry

_Q = load("queue")


class WrongState(GemmaError):
    """The import is not in the state the action needs (any more)."""


def enqueue_as_operator(
    conn: Connection,
    registry: Registry,
    kind: str,
    data: str,
    *,
    actor: str | None = None,
) -> int:
    """Queues an import of `kind` with `data`, due now, submitted by `actor`
    (None: the login role), with the checks of `imports.enqueue`; returns
    its id. Its log says the console queued it, and as whom, from the
    start: the row and that line are written together."""
    with _acting(conn, actor, "enqueue imports") as role:
        import_id = imports.enqueue(conn, registry, kind, data)
        _log(conn, import_id, f"Queued from the console by '{role}'.")
    return import_id


def retry_now(conn: Connection, import_id: int, *, actor: str | None = None) -> int:
    """Queues a failed import again, due now, with the same kind, data,
    user, tries, wait and email flag; returns the new import's id. The
    failed one stays failed; both logs say who asked."""
    with _acting(conn, actor, "retry imports") as role:
        _lock_in_state(conn, import_id, "failed")
        row = conn.execute(_Q["retry_failed"], {"id": import_id}).fetchone()
        assert row is not None  # the row is locked and failed
        retry_id = int(row[0])
        _log(conn, import_id, f"Retried now by '{role}' as import {retry_id}.")
        _log(conn, retry_id, f"Retry of import {import_id}, asked for by '{role}'.")
    return retry_id


def cancel(conn: Connection, import_id: int, *, actor: str | None = None) -> None:
    """Cancels a queued (or scheduled) import: it never runs, and ends
    `declined` with the operator as its signer (see `cancel_queued`)."""
    with _acting(conn, actor, "cancel imports") as role:
        _lock_in_state(conn, import_id, "queued")
        conn.execute(_Q["cancel_queued"], {"id": import_id})
        _log(conn, import_id, f"Cancelled by '{role}' before it ran.")


def acting_role(conn: Connection, actor: str | None = None) -> str:
    """The role an operator's action runs as: `actor`, else the role the
    connection logged in as (the database's `current_user`)."""
    if actor is not None:
        return actor
    try:
        row = conn.execute(_Q["current_role"]).fetchone()
    except psycopg.Error as error:
        raise readable(error) from error
    assert row is not None
    return str(row[0])


@contextmanager
def _acting(conn: Connection, actor: str | None, what: str) -> Iterator[str]:
    """A transaction as `actor` (None: the login role); yields the role's
    name, and turns database errors into readable ones."""
    try:
        with conn.transaction():
            if actor is not None:
                conn.execute(_Q.with_identifiers("set_local_role", role=actor))
            row = conn.execute(_Q["current_role"]).fetchone()
            assert row is not None
            yield str(row[0])
    except psycopg.errors.InsufficientPrivilege as error:
        who = f"role {actor!r}" if actor else "this login role"
        raise PermissionDenied(f"{who} may not {what}: {readable(error)}") from error
    except psycopg.Error as error:
        raise readable(error) from error


def _lock_in_state(conn: Connection, import_id: int, state: str) -> None:
    row = conn.execute(_Q["lock_for_decision"], {"id": import_id}).fetchone()
    if row is None:
        raise NotFound(f"cannot find import #{import_id}")
    if str(row[0]) != state:
        raise WrongState(f"#{import_id} is {row[0]}, not {state}")


def _log(conn: Connection, import_id: int, message: str) -> None:
    conn.execute(_Q["log"], {"id": import_id, "level": "info", "msg": message})
