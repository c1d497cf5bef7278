"""Shared fixtures: a real PostgreSQL, and a fresh database for every test.

The server is the embedded one, started once per session in a temporary
directory, unless GEMMA_TUI_TEST_DSN names another. The schema is migrated
once into a template database; each test gets its own copy of it, which
takes a few milliseconds.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gemma_tui.db import Connection, connect
from gemma_tui.db.migrate import migrate
from gemma_tui.db.server import start_embedded, stop_embedded

# Snapshots must not depend on the caller's colour preference.
os.environ.pop("NO_COLOR", None)
# Nor may any test, or command it runs, read the caller's configuration.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="gemma-tui-config-")

TEMPLATE = "gemma_tui_template"
# The real input files; `shared/` lies beside the checkout, in CI too.
DATA = Path(
    os.environ.get(
        "GEMMA_TUI_TEST_DATA",
        Path(__file__).resolve().parents[1].parent / "shared" / "data",
    )
)

_numbers = itertools.count()


@contextlib.contextmanager
def server_parent(prefix: str) -> Iterator[Path]:
    """A temporary directory to keep an embedded server's data in: open to
    other users to read and enter, as the server's own user must when the
    tests run as root (gemma-tui refuses a data directory it cannot reach)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        os.chmod(directory, 0o755)
        yield Path(directory)


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """The maintenance connection string of the test server."""
    if dsn := os.environ.get("GEMMA_TUI_TEST_DSN"):
        yield dsn
        return
    with server_parent("gemma-tui-test-") as directory:
        data = directory / "pgdata"
        try:
            yield start_embedded(data)
        finally:
            stop_embedded(data)


@pytest.fixture(scope="session")
def template(server_dsn: str) -> str:
    with connect(server_dsn) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(TEMPLATE)
            )
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    with connect(with_database(server_dsn, TEMPLATE)) as conn:
        migrate(conn)
        create_test_roles(conn)
        create_toy_table(conn)
    return TEMPLATE


@pytest.fixture
def dsn(server_dsn: str, template: str) -> Iterator[str]:
    """A database of its own for one test, already migrated."""
    name = f"gemma_tui_test_{os.getpid()}_{next(_numbers)}"
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template)
    )
    with connect(server_dsn) as conn:
        conn.execute(create)
    yield with_database(server_dsn, name)
    with connect(server_dsn) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


@pytest.fixture
def conn(dsn: str) -> Iterator[Connection]:
    with connect(dsn) as connection:
        yield connection


@pytest.fixture
def heard() -> list[object]:
    """The console's own messages, in the order the App received them
    (filled by `tests.consoles.hook`)."""
    return []


def with_database(dsn: str, database: str) -> str:
    parts = {k: v for k, v in conninfo_to_dict(dsn).items() if v is not None}
    parts["dbname"] = database
    return make_conninfo("", **parts)


def create_test_roles(conn: Connection) -> None:
    """Roles the tests act as: two importers and a reviewer."""
    for role, group in (
        ("alice", "gemma_importer"),
        ("bob", "gemma_importer"),
        ("rita", "gemma_reviewer"),
        ("mallory", None),
    ):
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        if group:
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(group), sql.Identifier(role)
                )
            )


def create_toy_table(conn: Connection) -> None:
    """The tables of the toy kinds in tests/toy.py: staged items, and when
    span imports ran."""
    conn.execute(
        "CREATE SCHEMA toy;"
        "CREATE TABLE toy.items (id bigserial PRIMARY KEY, label text NOT NULL,"
        " staging_done boolean NOT NULL DEFAULT false);"
        "CREATE TABLE toy.spans (import_id bigint NOT NULL, kind text NOT NULL,"
        " started timestamptz NOT NULL, ended timestamptz NOT NULL);"
        "GRANT USAGE ON SCHEMA toy TO gemma_importer;"
        "GRANT ALL ON ALL TABLES IN SCHEMA toy TO gemma_importer;"
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA toy TO gemma_importer;"
    )


__all__ = ["DATA", "psycopg", "with_database"]
