"""Database access: connections, named queries, migrations, the server."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from gemma_tui.errors import readable

Connection = psycopg.Connection[TupleRow]

CONNECT_TIMEOUT = 10


def connect(dsn: str, *, autocommit: bool = True, **options: Any) -> Connection:
    """A connection, or a readable error saying why there is none."""
    try:
        return psycopg.connect(
            dsn,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="gemma-tui",
            **options,
        )
    except psycopg.Error as error:
        raise readable(error) from error


def read_only(dsn: str) -> str:
    """`dsn` for sessions whose every transaction is read-only.

    The server enforces it: any write fails, whatever the client does,
    short of resetting the setting itself, which this program never does.
    """
    options = conninfo_to_dict(dsn).get("options") or ""
    extra = "-c default_transaction_read_only=on"
    return make_conninfo(dsn, options=f"{options} {extra}".strip())
