"""Opening the database for a command: resolve, connect, migrate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from gemma_tui.db import Connection, connect
from gemma_tui.db.migrate import migrate, outstanding
from gemma_tui.db.server import Target, resolve
from gemma_tui.errors import GemmaError, readable


@dataclass(frozen=True, slots=True)
class Database:
    target: Target
    conn: Connection

    @property
    def dsn(self) -> str:
        return self.target.dsn


def open_database(
    dsn: str | None, data_dir: Path | None, origin: str = "--dsn"
) -> Database:
    """Connects to the chosen database and brings its schema up to date."""
    target = resolve(dsn, data_dir, origin)
    conn = connect(target.dsn)
    try:
        bring_up_to_date(conn)
    except GemmaError:
        conn.close()
        raise
    return Database(target, conn)


def bring_up_to_date(conn: Connection) -> None:
    """Applies the migrations the database lacks, if any."""
    try:
        if outstanding(conn):
            migrate(conn)
    except psycopg.Error as error:
        raise readable(error) from error
