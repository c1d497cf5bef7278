"""Who the operator acts as: `--as ROLE`, and the read-only console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gemma_tui.db import Connection, connect, read_only
from gemma_tui.errors import PermissionDenied, ReadOnly
from gemma_tui.queue.imports import check_role, decide, imports_in
from gemma_tui.ui.confirm import Confirm
from tests import toy
from tests.cli import gemma
from tests.consoles import add_import, console, until
from tests.running import state_of
from tests.test_console import review_of

LOGIN = "lena"  # may log in and review, but may not become rita


@pytest.fixture
def lena_dsn(dsn: str, conn: Connection) -> Iterator[str]:
    """The test database as the login role `lena`, who may not be `rita`."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (LOGIN,))
    if exists.fetchone() is None:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(LOGIN)))
    # A reviewer by group, but not `rita`: SET ROLE needs membership of her.
    conn.execute(sql.SQL("GRANT gemma_reviewer TO {}").format(sql.Identifier(LOGIN)))
    parts = {k: v for k, v in conninfo_to_dict(dsn).items() if v is not None}
    parts["user"] = LOGIN
    yield make_conninfo("", **parts)


def test_acting_as_a_role_the_login_may_not_become_is_refused(lena_dsn: str) -> None:
    with connect(lena_dsn) as conn, pytest.raises(PermissionDenied) as raised:
        check_role(conn, "rita")
    assert 'permission denied to set role "rita"' in str(raised.value)


def test_console_as_a_forbidden_role_is_one_line_before_any_screen(
    lena_dsn: str,
) -> None:
    """`console --as` checks the role first: one line, status 2."""
    result = gemma("console", "--as", "rita", dsn=lena_dsn)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'gemma-tui: permission denied to set role "rita"'
    ]


def test_decide_as_a_forbidden_role_changes_nothing(
    lena_dsn: str, conn: Connection
) -> None:
    import_id = add_import(conn, "pending")
    result = gemma("decide", str(import_id), "accept", "--as", "rita", dsn=lena_dsn)
    assert result.returncode == 2
    assert "permission denied to set role" in result.stderr
    assert state_of(conn, import_id) == "pending"


def test_a_read_only_session_cannot_decide(dsn: str, conn: Connection) -> None:
    """The database refuses, not only the console's keys."""
    import_id = add_import(conn, "pending")
    with connect(read_only(dsn)) as reader, pytest.raises(ReadOnly) as raised:
        decide(reader, toy.registry(), import_id, True, reviewer="rita")
    assert "read-only" in str(raised.value)
    assert state_of(conn, import_id) == "pending"


def test_read_only_keeps_options_already_in_the_dsn(dsn: str) -> None:
    with_zone = make_conninfo(dsn, options="-c TimeZone=Asia/Tokyo")
    with connect(read_only(with_zone)) as reader:
        row = reader.execute(
            "SELECT current_setting('TimeZone'),"
            " current_setting('default_transaction_read_only')"
        ).fetchone()
    assert row == ("Asia/Tokyo", "on")


async def test_the_read_only_console_offers_no_decisions(
    dsn: str, conn: Connection
) -> None:
    import_id = add_import(conn, "pending")
    app = console(read_only(dsn), read_only=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: review_of(app).highlighted_key == str(import_id))
        assert app.sub_title == "read-only"
        for key in ("a", "d"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert not isinstance(app.screen, Confirm)
        # False hides the keys from the footer (None would grey them out).
        assert app.check_action("accept", ()) is False
        assert app.check_action("decline", ()) is False
    assert state_of(conn, import_id) == "pending"


def test_reading_without_rights_is_one_readable_error(conn: Connection) -> None:
    conn.execute("SET ROLE mallory")
    try:
        with pytest.raises(PermissionDenied, match="permission denied"):
            imports_in(conn, ("pending",))
    finally:
        conn.execute("RESET ROLE")
