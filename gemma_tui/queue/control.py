"""A runner's control connection: who it is, what it claims, who is gone.

The connection registers the runner and holds its liveness lock for as long
as it lives, so other runners know the runner is there without trusting a
clock. It also holds the dependency locks of the imports the runner runs,
which therefore die with it too. Only the runner's claiming thread uses it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from gemma_tui.db import Connection, connect
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError
from gemma_tui.queue.locks import LockKeys

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class Claim:
    """A claimed import, as the runner needs it to run it."""

    id: int
    kind: str
    tries_left: int | None
    retry_wait: timedelta | None
    username: str
    send_email: bool
    data: str | None
    runner: int | None = None  # the runner that holds it


@dataclass(frozen=True, slots=True)
class Identity:
    """A runner as the runners table records it."""

    id: int
    host: str
    pid: int
    started: datetime


class Control:
    """The control connection of one runner."""

    def __init__(self, dsn: str, role: str | None) -> None:
        self._dsn = dsn
        self._role = role
        self._conn: Connection | None = None
        self._used = 0.0  # when the connection last answered, monotonic
        self.identity: Identity | None = None

    @property
    def runner_id(self) -> int | None:
        return None if self.identity is None else self.identity.id

    def open(self) -> None:
        """Connects and registers (or re-registers) the runner."""
        self.close()
        conn = connect(self._dsn)
        try:
            if self._role:
                conn.execute(_Q.with_identifiers("set_role", role=self._role))
            # Everything written here is redone if a server crash loses it:
            # the runner's connection dies with the server, so its imports
            # are queued again by whichever runner starts next.
            conn.execute(_Q["commit_without_flush"])
            self._conn = conn
            self._register()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def unregister(self) -> None:
        """Removes the runner's row; its locks go with the connection."""
        self._db().execute(_Q["unregister_runner"], {"runner": self.runner_id})
        self.close()

    @property
    def broken(self) -> bool:
        return self._conn is None or self._conn.closed or self._conn.broken

    def recover(self) -> tuple[int, ...]:
        """Re-queues imports of runners that are gone; returns their ids."""
        rows = self._db().execute(_Q["requeue_orphans"]).fetchall()
        self._db().execute(_Q["forget_dead_runners"])
        return tuple(int(row[0]) for row in rows)

    def requeue_strays(self, running: list[int]) -> tuple[int, ...]:
        """Re-queues imports recorded as this runner's that it does not run."""
        params = {"runner": self.runner_id, "ids": running}
        rows = self._db().execute(_Q["requeue_strays"], params).fetchall()
        return tuple(int(row[0]) for row in rows)

    def requeue(self, ids: tuple[int, ...]) -> None:
        """Re-queues imports this runner stops without finishing."""
        params = {"ids": list(ids), "runner": self.runner_id}
        self._db().execute(_Q["requeue_ids"], params)

    def heartbeat(self) -> None:
        self._db().execute(_Q["heartbeat"], {"runner": self.runner_id})

    def ping_if_quiet(self, seconds: float) -> None:
        """Asks the server whether the connection lives if it has not been
        used for `seconds`: a lost connection takes the runner's locks, and
        the runner must notice soon to take them again."""
        if time.monotonic() - self._used >= seconds:
            self._db().execute(_Q["ping"])

    def claim(
        self,
        room: dict[str, int],
        deps: str,
        wanted: int,
        released: Iterable[LockKeys] = (),
    ) -> list[Claim]:
        """Up to `wanted` imports of the kinds in `room`, at most `room[kind]`
        of each, now running for this runner with the locks of their
        dependencies taken, in the order they were chosen: `deps` maps every
        kind to its keys' `LockKeys.spec()`, as JSON. First releases the
        locks of ended imports, `released`, as `unlock` does."""
        exclusive, shared = _keys(released)
        params = {
            "room": json.dumps(room),
            "deps": deps,
            "wanted": wanted,
            "runner": self.runner_id,
            "exclusive": exclusive,
            "shared": shared,
        }
        rows = self._db().execute(_Q["claim"], params).fetchall()
        return [self._claim_of(row) for row in rows]

    def _claim_of(self, row: tuple[Any, ...]) -> Claim:
        import_id, kind, tries, wait, user, email, data = row
        return Claim(import_id, kind, tries, wait, user, email, data, self.runner_id)

    def lock(self, keys: LockKeys) -> bool:
        """Takes the locks of `keys` again, all or none; False if busy."""
        params = {"spec": Jsonb(keys.spec())}
        row = self._db().execute(_Q["lock_dependencies"], params).fetchone()
        return row is not None and bool(row[0])

    def unlock(self, released: Iterable[LockKeys]) -> None:
        """Releases the locks of ended imports and tells waiting runners."""
        exclusive, shared = _keys(released)
        params = {"exclusive": exclusive, "shared": shared, "runner": self.runner_id}
        self._db().execute(_Q["unlock_dependencies"], params)

    def next_due(self, kinds: list[str]) -> float | None:
        """Seconds until a queued import of `kinds` comes due; None if none
        waits for its time."""
        row = self._db().execute(_Q["next_due"], {"kinds": kinds}).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def _db(self) -> Connection:
        if self._conn is None or self._conn.closed:
            raise GemmaError("the runner has no database connection")
        self._used = time.monotonic()
        return self._conn

    def _register(self) -> None:
        if self.identity is None:
            host, pid = socket.gethostname(), os.getpid()
            params = {"host": host, "pid": pid}
            row = self._db().execute(_Q["register_runner"], params).fetchone()
            if row is None:
                raise GemmaError("the runner could not register itself")
            self.identity = Identity(int(row[0]), host, pid, row[1])
            live = bool(row[2])
        else:
            params = {
                "runner": self.identity.id,
                "host": self.identity.host,
                "pid": self.identity.pid,
                "started": self.identity.started,
            }
            row = self._db().execute(_Q["register_runner_again"], params).fetchone()
            live = row is not None and bool(row[0])
        if not live:
            raise GemmaError(f"runner {self.runner_id} is live on another connection")


def _keys(released: Iterable[LockKeys]) -> tuple[str, str]:
    """The exclusive and the shared keys of `released`, as array literals:
    psycopg's adaptation of a list costs more than the statement itself."""
    exclusive: list[int] = []
    shared: list[int] = []
    for keys in released:
        exclusive.extend(keys.exclusive)
        shared.extend(keys.shared)
    return _array(exclusive), _array(shared)


def _array(keys: list[int]) -> str:
    return "{" + ",".join(map(str, keys)) + "}"
