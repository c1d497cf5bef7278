"""Schema migrations: which are outstanding, and applying them."""

from __future__ import annotations

from gemma_tui.db import Connection
from gemma_tui.db.migrate import available, migrate, outstanding


def test_a_migrated_database_has_none_outstanding(conn: Connection) -> None:
    assert outstanding(conn) == []
    assert migrate(conn) == []


def test_an_older_migration_applied_late_is_outstanding(conn: Connection) -> None:
    """Branches may ship migration 3 after 5 was applied: 3 must still run."""
    conn.execute("DELETE FROM gemma_tui.migrations WHERE version = 1")
    assert [m.version for m in outstanding(conn)] == [1]


def test_a_database_without_bookkeeping_has_all_outstanding(conn: Connection) -> None:
    conn.execute("DROP SCHEMA gemma_tui CASCADE")
    assert outstanding(conn) == available()
