"""The console driven by the pilot, on a real database with the toy kinds.

Conditions are polled in short pauses (never long sleeps); every test that
starts the hosted runner quits with ctrl+q, which stops it and waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import DOMQuery
from textual.message import Message
from textual.widgets import Static

from gemma_tui.db import Connection
from gemma_tui.queue.imports import enqueue
from gemma_tui.ui import messages
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.banner import Banner
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.logpane import LogPane
from gemma_tui.ui.panes import ReviewTable, RunningTable
from gemma_tui.ui.watch import short_reason
from tests import toy
from tests.consoles import add_import, console, hook, leave, until
from tests.engine import moved
from tests.running import state_of

SHOWN = "[@click=app.quit]x[/]"
HOSTILE = SHOWN + " \x1b]2;x\x1b\\"  # cleaned, it shows as SHOWN
LINE = "[/] [@click=app.quit] \x1b]2;x\x1b\\"
LINK = "[link=http://x]y[/]"


def review_of(app: ConsoleApp) -> ReviewTable:
    return app.query_one("#review", ReviewTable)


def dialog_text(app: ConsoleApp) -> str:
    return "\n".join(str(static.render()) for static in app.screen.query(Static))


async def test_accept_runs_the_review_and_drops_the_row(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    import_id = enqueue(conn, toy.registry(), "toy", '{"action": "ok"}', user="alice")
    app = console(dsn, runner=True)
    async with app.run_test(size=(120, 40), message_hook=hook(heard)) as pilot:
        review = review_of(app)
        await until(pilot, lambda: review.highlighted_key == str(import_id))

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Accept import #{import_id}?" in dialog_text(app)
        await pilot.press("y")

        await until(pilot, lambda: state_of(conn, import_id) == "accepted")
        await until(pilot, lambda: str(import_id) not in review.row_keys)
        await until(pilot, lambda: carried_out(heard))
        await leave(pilot)
    kinds = [type(message) for message in heard]
    assert kinds.index(messages.DecisionMade) < kinds.index(messages.ReviewCarriedOut)
    assert carried_out(heard) == ["accepted"]


def carried_out(heard: list[Message]) -> list[str]:
    return [m.outcome for m in heard if isinstance(m, messages.ReviewCarriedOut)]


async def test_decline_deletes_what_was_staged(dsn: str, conn: Connection) -> None:
    data = '{"action": "ok", "stage": ["x"]}'
    import_id = enqueue(conn, toy.registry(), "toy", data, user="alice")
    app = console(dsn, runner=True)
    async with app.run_test(size=(120, 40)) as pilot:
        review = review_of(app)
        await until(pilot, lambda: review.highlighted_key == str(import_id))
        assert staged(conn) == 1

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Decline import #{import_id}?" in dialog_text(app)
        await pilot.press("enter")

        await until(pilot, lambda: state_of(conn, import_id) == "declined")
        await leave(pilot)
    assert staged(conn) == 0


def staged(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) FROM toy.items").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("cancel", ["escape", "n"])
async def test_cancelling_the_dialog_decides_nothing(
    dsn: str, conn: Connection, heard: list[Message], cancel: str
) -> None:
    import_id = add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test(message_hook=hook(heard)) as pilot:
        await until(pilot, lambda: review_of(app).highlighted_key == str(import_id))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))

        await pilot.press(cancel)
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        await pilot.pause(0.3)
    assert state_of(conn, import_id) == "pending"
    assert not [m for m in heard if isinstance(m, messages.DecisionMade)]


async def test_a_decision_acts_on_the_id_seen_at_the_keypress(
    dsn: str, conn: Connection
) -> None:
    older = add_import(conn, "pending")
    chosen = add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test() as pilot:
        review = review_of(app)
        await until(pilot, lambda: review.highlighted_key == str(chosen))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))

        # Rows change under the dialog, and the cursor moves to another.
        newer = add_import(conn, "pending")
        await until(pilot, lambda: review.row_keys[0] == str(newer))
        review.move_cursor(row=0)
        await pilot.press("y")

        await until(pilot, lambda: state_of(conn, chosen) == "reviewed")
    assert state_of(conn, newer) == "pending"
    assert state_of(conn, older) == "pending"


async def test_the_cursor_keeps_its_import_when_rows_arrive_above(
    dsn: str, conn: Connection
) -> None:
    first = add_import(conn, "pending")
    add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test() as pilot:
        review = review_of(app)
        await until(pilot, lambda: review.row_count == 2)
        review.focus()
        await pilot.press("down")
        assert review.highlighted_key == str(first)

        add_import(conn, "pending")
        top = add_import(conn, "pending")
        await until(pilot, lambda: review.row_keys[:1] == [str(top)])
        assert review.highlighted_key == str(first)
        assert review.cursor_row == 3

        conn.execute("DELETE FROM import.imports WHERE id = %s", (top,))
        await until(pilot, lambda: review.row_count == 3)
        assert review.highlighted_key == str(first)


async def test_quit_asks_first_while_imports_run(dsn: str, conn: Connection) -> None:
    gate = toy.gates["quit"] = threading.Event()
    data = '{"action": "block", "gate": "quit"}'
    import_id = enqueue(conn, toy.registry(), "toy", data, user="alice")
    app = console(dsn, runner=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            running = app.query_one("#running", RunningTable)
            await until(pilot, lambda: running.row_keys == [str(import_id)])

            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, Confirm))
            assert "1 import is running" in dialog_text(app)
            await pilot.press("n")
            await until(pilot, lambda: not isinstance(app.screen, Confirm))
            assert app.return_code is None

            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, Confirm))
            gate.set()
            await pilot.press("y")
            await until(pilot, lambda: app.return_code is not None)
    finally:
        gate.set()
    assert state_of(conn, import_id) == "pending"


async def test_quit_without_running_imports_asks_nothing(dsn: str) -> None:
    app = console(dsn)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None)


async def test_hostile_text_is_shown_literally(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    import_id = add_import(conn, "pending", kind=HOSTILE, user=LINK)
    conn.execute(
        "INSERT INTO import.import_logs (import_id, kind, msg) VALUES"
        " (%(id)s, 'warn', %(hostile)s), (%(id)s, 'error', %(escapes)s)",
        {"id": import_id, "hostile": LINE, "escapes": "\x1b[31mred\x1b[0m \x9b2J\x1bc"},
    )
    app = console(dsn)
    hooked = hook(heard)
    # Wide enough for the review pane's every column, the user's too.
    size = (160, 50)
    async with app.run_test(
        notifications=True, message_hook=hooked, size=size
    ) as pilot:
        log = app.query_one("#log", LogPane)
        await until(pilot, lambda: len(log.lines) == 2)
        assert log.lines[0].endswith(f"#{import_id} warn  [/] [@click=app.quit]")
        assert log.lines[1].endswith(f"#{import_id} error red")
        cells = review_of(app).get_row(str(import_id))
        assert [cells[2].plain, cells[6].plain] == [SHOWN, LINK]

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Kind: {SHOWN} (unknown here)" in dialog_text(app)
        assert f"User: {LINK}" in dialog_text(app)
        await pilot.press("y")

        # An unknown kind: decide() refuses, with the kind in its message.
        await until(pilot, lambda: failures(heard))
        await pilot.pause(0.2)
        assert app.return_code is None
    assert SHOWN in failures(heard)[0].reason
    assert state_of(conn, import_id) == "pending"


def failures(heard: list[Message]) -> list[messages.DecisionFailed]:
    return [m for m in heard if isinstance(m, messages.DecisionFailed)]


async def test_an_unreachable_database_shows_a_banner() -> None:
    nowhere = "host=127.0.0.1 port=9 dbname=none user=none connect_timeout=2"
    app = console(nowhere, runner=True)
    async with app.run_test() as pilot:
        banner = app.query_one("#banner", Banner)
        await until(pilot, lambda: banner.saying("database"))
        assert banner.has_class("-shown")
        assert "Database unreachable" in str(banner.saying("database"))
        await until(pilot, lambda: banner.saying("runner"))
        await leave(pilot)


async def test_every_view_shows_the_banner_while_the_database_is_away(
    dsn: str, tmp_path: Path
) -> None:
    """Whichever view is open, the operator reads that the database is
    unreachable, and the banner goes from every view once it is back."""
    later, socket, link = moved(dsn, tmp_path)
    app = console(later, schema_unchecked=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.board.saying("database"))
        for key in ("2", "3", "4", "5", "1"):
            await pilot.press(key)
            banner = await until_found(pilot, lambda: app.screen.query(Banner))
            assert banner.has_class("-shown"), key
            assert "Database unreachable" in str(banner.content), key
        await pilot.press("3")
        link.symlink_to(socket)
        await until(pilot, lambda: app.board.saying("database") is None)
        await pilot.pause(0.05)
        assert not app.screen.query_one(Banner).has_class("-shown")
        assert not app.query_one("#banner", Banner).has_class("-shown")
        await leave(pilot)


async def until_found(pilot: Any, found: Callable[[], DOMQuery[Banner]]) -> Banner:
    await until(pilot, lambda: len(found()) == 1)
    return found().first()


async def test_the_watcher_reconnects_after_losing_its_connection(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    app = console(dsn)
    async with app.run_test(message_hook=hook(heard)) as pilot:
        await until(pilot, lambda: reached(heard) == 1)
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await until(pilot, lambda: reached(heard) == 2)
        assert any(isinstance(m, messages.DatabaseLost) for m in heard)
        assert not app.query_one("#banner", Banner).has_class("-shown")

        import_id = add_import(conn, "pending")
        await until(pilot, lambda: review_of(app).row_keys == [str(import_id)])


def reached(heard: list[Message]) -> int:
    return sum(isinstance(m, messages.DatabaseReached) for m in heard)


async def test_tab_moves_the_focus_marker_to_exactly_one_pane(dsn: str) -> None:
    """The ▶ in a pane's title marks the focused pane, and only that one."""
    app = console(dsn)
    async with app.run_test(size=(120, 40)) as pilot:
        panes = list(app.screen.query("#panes > *"))
        await until(pilot, lambda: marked(panes) == [app.focused])
        for _ in range(len(panes) + 1):
            await pilot.press("tab")
            await pilot.pause(0.05)
            assert marked(panes) == [app.focused]
        await pilot.press("shift+tab")
        await pilot.pause(0.05)
        assert marked(panes) == [app.focused]


def marked(panes: list[Any]) -> list[Any]:
    return [pane for pane in panes if str(pane.border_title).startswith("▶")]


async def test_a_database_down_at_start_is_waited_for(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """Started while the server is unreachable, the console says so, then
    connects when it is back, and only then starts its runner, which runs
    what was queued."""
    later, socket, link = moved(dsn, tmp_path)
    import_id = enqueue(conn, toy.registry(), "toy", '{"action": "ok"}', user="alice")
    app = console(later, runner=True, schema_unchecked=True)
    async with app.run_test() as pilot:
        banner = app.query_one("#banner", Banner)
        await until(pilot, lambda: banner.saying("database"))
        assert state_of(conn, import_id) == "queued"

        link.symlink_to(socket)
        await until(pilot, lambda: banner.saying("database") is None)
        await until(pilot, lambda: state_of(conn, import_id) == "pending")
        await leave(pilot)


async def test_problems_before_the_screen_are_shown_in_the_log_pane(
    dsn: str,
) -> None:
    """A kind plugin skipped at start is said in the log pane (stderr hides
    behind the screen), cleaned of escapes, and a toast points there."""
    skipped = "kind plugin 'pp' of pp-kinds 1.0 skipped: boom" + " \x1b]2;x\x1b\\"
    app = console(dsn, notices=(skipped,))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(LogPane)
        await until(pilot, lambda: any("console" in line for line in pane.lines))
        [line] = [line for line in pane.lines if " console " in line]
        assert line.endswith(
            " console warn  kind plugin 'pp' of pp-kinds 1.0 skipped: boom"
        )
        assert "\x1b" not in line
        assert [n.message for n in app._notifications] == [
            "1 problem(s) at start; see the log pane"
        ]
        await leave(pilot)


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        (
            "cannot reach the database: connection failed: connection to server"
            ' at "127.0.0.1", port 9 failed: Connection refused',
            'Connection refused ("127.0.0.1", port 9)',
        ),
        (
            'connection to server on socket "/run/pg/.s.PGSQL.5432" failed:'
            " No such file or directory",
            'No such file or directory (socket "/run/pg/.s.PGSQL.5432")',
        ),
        ("the database system is starting up", "the database system is starting up"),
    ],
)
def test_the_banner_gives_the_cause_before_the_place(said: str, shown: str) -> None:
    """Cut at 80 columns, the banner keeps the cause."""
    assert short_reason(said) == shown
