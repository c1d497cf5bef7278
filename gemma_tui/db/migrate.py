"""Versioned schema migrations.

Each file `NNNN_name.sql` beside the migrations package is applied once, in
order, in its own transaction, and recorded in `gemma_tui.migrations`. An
advisory lock keeps two processes starting at once from racing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from gemma_tui.db.queries import load

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{4})_(\w+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    text: str


def available() -> list[Migration]:
    """The migrations shipped with the package, oldest first."""
    found = []
    for entry in resources.files("gemma_tui.db.migrations").iterdir():
        match = _FILE.match(entry.name)
        if match:
            version, name = int(match[1]), match[2]
            found.append(Migration(version, name, entry.read_text("utf-8")))
    return sorted(found, key=lambda migration: migration.version)


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    """Brings the schema up to date; returns the migrations it applied."""
    queries = load("migrate")
    with conn.transaction():
        conn.execute(queries["lock"])
        conn.execute(queries["create_bookkeeping"])
        done = {row[0] for row in conn.execute(queries["applied"])}
        todo = [m for m in available() if m.version not in done]
        for migration in todo:
            log.info("applying migration %04d %s", migration.version, migration.name)
            conn.execute(migration.text.encode())
            conn.execute(
                queries["record"],
                {"version": migration.version, "name": migration.name},
            )
    return todo


def outstanding(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    """The shipped migrations not yet applied, oldest first.

    Compared by version, not by the newest one: migrations written on
    different branches may arrive out of order.
    """
    queries = load("migrate")
    row = conn.execute(queries["has_bookkeeping"]).fetchone()
    if row is None or not row[0]:
        return available()
    done = {version for (version,) in conn.execute(queries["applied"])}
    return [m for m in available() if m.version not in done]


def current_version(conn: psycopg.Connection[tuple[object, ...]]) -> int | None:
    """The newest applied migration, or None on a database without ours."""
    queries = load("migrate")
    row = conn.execute(queries["has_bookkeeping"]).fetchone()
    if row is None or not row[0]:
        return None
    newest = conn.execute(queries["newest_version"]).fetchone()
    return None if newest is None or newest[0] is None else int(str(newest[0]))
