"""A password in the connection string shows nowhere: not on the screen,
not in the command line's output (plain or JSON), not in a log."""

from __future__ import annotations

import json

from psycopg.conninfo import make_conninfo

from gemma_tui.db import Connection
from gemma_tui.ui.banner import Banner
from tests.cli import gemma
from tests.consoles import add_import, console, leave, until

SECRET = "hunter2-secret-Zq9"


def test_the_command_line_never_prints_the_password(dsn: str, conn: Connection) -> None:
    """The test server trusts local sessions, so the password is sent to
    no one; every listing, plain and JSON, works and never shows it."""
    with_password = make_conninfo(dsn, password=SECRET)
    import_id = add_import(conn, "failed")
    conn.execute(
        "INSERT INTO import.import_logs (import_id, kind, msg)"
        " VALUES (%s, 'error', 'boom')",
        (import_id,),
    )
    outputs = [
        gemma(*args, dsn=with_password)
        for args in (
            ("list",),
            ("list", "--json"),
            ("show", str(import_id)),
            ("show", str(import_id), "--json"),
            ("logs", str(import_id)),
            ("runners",),
            ("runners", "--json"),
            ("config",),
            ("status", "--json"),
            ("show", "999999"),
        )
    ]
    assert [result.returncode for result in outputs] == [0] * 8 + [1, 2]
    json.loads(outputs[1].stdout)
    assert "password=***" in outputs[7].stdout  # shown, masked
    for result in outputs:
        assert SECRET not in result.stdout + result.stderr


async def test_an_unreachable_server_shows_no_password_on_the_console() -> None:
    """The banner and the screen tell why the database is away, without
    the password of the connection string."""
    nowhere = make_conninfo(
        "host=127.0.0.1 port=9 dbname=none user=none connect_timeout=2",
        password=SECRET,
    )
    app = console(nowhere, runner=True)
    async with app.run_test(size=(100, 30)) as pilot:
        banner = app.query_one("#banner", Banner)
        # The watcher and the runner each find the database away, in
        # either order; the banner tells the database's first.
        await until(pilot, lambda: banner.saying("runner"))
        await until(pilot, lambda: banner.saying("database"))
        assert banner.board.text.startswith("Database unreachable")
        await pilot.pause()
        screen = app.export_screenshot()  # an SVG, its spaces escaped
        assert "Database&#160;unreachable" in screen
        assert SECRET not in screen
        await leave(pilot)
