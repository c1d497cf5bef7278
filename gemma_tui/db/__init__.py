"""Database access: connections, named queries, migrations, the server."""

from __future__ import annotations

from typing import Any

import psycopg
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
