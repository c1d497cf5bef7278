"""Retry now, cancel, pause and resume from the console, by the pilot."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.pilot import Pilot

from gemma_tui.db import Connection
from gemma_tui.queue.imports import logs_of
from gemma_tui.ui import messages
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.confirm import Confirm, pause_dialog
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.panes import FailedTable, QueuedTable
from tests.consoles import add_import, console, hook, leave, until
from tests.running import state_of
from tests.test_console_batch import dialog_text


def last_line(conn: Connection, import_id: int) -> str:
    lines = logs_of(conn, import_id)
    return lines[-1].message if lines else ""


def count(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) FROM import.imports").fetchone()
    assert row is not None
    return int(row[0])


async def failed_detail_of(app: ConsoleApp, pilot: Pilot[Any]) -> DetailScreen:
    """Opens the one failed import's detail from the Failed pane."""
    pane = app.query_one("#failed", FailedTable)
    await until(pilot, lambda: pane.row_count == 1)
    pane.focus()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, DetailScreen))
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    await until(pilot, lambda: screen.detail is not None)
    return screen


async def test_r_on_a_failed_import_queues_it_again_after_yes(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    failed = add_import(conn, "failed", kind="toy", user="alice")
    app = console(dsn)
    async with app.run_test(size=(100, 30), message_hook=hook(heard)) as pilot:
        pane = app.query_one("#failed", FailedTable)
        await until(pilot, lambda: pane.row_keys == [str(failed)])
        pane.focus()
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        text = dialog_text(app)
        assert f"Retry import #{failed} now?" in text
        assert "User: alice" in text
        await pilot.press("y")
        await until(
            pilot, lambda: any(isinstance(x, messages.ImportRetried) for x in heard)
        )
        [done] = [x for x in heard if isinstance(x, messages.ImportRetried)]
        queued = app.query_one("#queued", QueuedTable)
        await until(pilot, lambda: str(done.retry_id) in queued.row_keys)
    assert state_of(conn, failed) == "failed"
    assert state_of(conn, done.retry_id) == "queued"
    assert (
        last_line(conn, failed) == f"Retried now by 'rita' as import {done.retry_id}."
    )


async def test_escape_on_retry_queues_nothing(dsn: str, conn: Connection) -> None:
    failed = add_import(conn, "failed")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one("#failed", FailedTable)
        await until(pilot, lambda: pane.row_count == 1)
        pane.focus()
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        await pilot.pause(0.3)
    assert count(conn) == 1
    assert state_of(conn, failed) == "failed"


async def test_c_cancels_a_scheduled_import_and_names_the_role(
    dsn: str, conn: Connection
) -> None:
    keep = add_import(conn, "queued", user="bob")
    scheduled = add_import(conn, "queued", user="alice")
    conn.execute(
        "UPDATE import.imports SET due = now() + interval '1 hour' WHERE id = %s",
        (scheduled,),
    )
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one("#queued", QueuedTable)
        await until(pilot, lambda: pane.row_keys == [str(keep), str(scheduled)])
        pane.focus()
        await pilot.press("j", "c")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        text = dialog_text(app)
        assert f"Cancel import #{scheduled}?" in text
        assert "Due: in 59m" in text
        # The set is the one highlighted when `c` was pressed.
        await pilot.press("enter")
        await until(pilot, lambda: pane.row_keys == [str(keep)])
    assert state_of(conn, scheduled) == "declined"
    assert state_of(conn, keep) == "queued"
    assert last_line(conn, scheduled) == "Cancelled by 'rita' before it ran."


async def test_cancel_refused_after_a_runner_took_it_says_why(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    """The dialog opened on a queued import; a runner claims it before Yes:
    the console says it is running now and changes nothing."""
    queued = add_import(conn, "queued")
    app = console(dsn)
    async with app.run_test(
        size=(100, 30), notifications=True, message_hook=hook(heard)
    ) as pilot:
        pane = app.query_one("#queued", QueuedTable)
        await until(pilot, lambda: pane.row_count == 1)
        pane.focus()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        conn.execute(
            "UPDATE import.imports SET state = 'running' WHERE id = %s", (queued,)
        )
        await pilot.press("y")
        await until(
            pilot, lambda: any(isinstance(x, messages.ActionFailed) for x in heard)
        )
    [failed] = [x for x in heard if isinstance(x, messages.ActionFailed)]
    assert failed.reason == f"#{queued} is running, not queued"
    assert state_of(conn, queued) == "running"


async def test_the_detail_offers_retry_only_on_a_failed_import(
    dsn: str, conn: Connection
) -> None:
    failed = add_import(conn, "failed")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        await failed_detail_of(app, pilot)
        assert app.check_action("retry_import", ()) is True
        assert app.check_action("cancel_import", ()) is False
        await pilot.press("c")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, Confirm)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
    assert count(conn) == 1
    assert state_of(conn, failed) == "failed"


async def test_p_pauses_the_runner_and_p_resumes_it(dsn: str, conn: Connection) -> None:
    app = console(dsn, runner=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app._runner is not None and app._runner_id())
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "Pause this console's runner?" in dialog_text(app)
        await pilot.press("y")
        await until(pilot, lambda: app.runner_paused() is True)
        await until(pilot, lambda: "runner paused" in app.sub_title)

        waiting = add_import(conn, "queued", kind="toy")
        await pilot.pause(1.0)
        assert state_of(conn, waiting) == "queued"

        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "Resume this console's runner?" in dialog_text(app)
        await pilot.press("y")
        await until(pilot, lambda: state_of(conn, waiting) not in ("queued", "running"))
        assert "runner on" in app.sub_title
        await leave(pilot)


async def test_read_only_offers_no_operations(dsn: str, conn: Connection) -> None:
    failed = add_import(conn, "failed")
    app = console(dsn, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one("#failed", FailedTable)
        await until(pilot, lambda: pane.row_count == 1)
        pane.focus()
        for action in ("retry_import", "cancel_import", "pause_runner"):
            assert app.check_action(action, ()) is False
        await pilot.press("r", "p")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, Confirm)
    assert state_of(conn, failed) == "failed"


async def test_a_and_d_on_a_detail_decide_the_import_shown(
    dsn: str, conn: Connection
) -> None:
    """From the detail of a pending import, the decision names that import
    (not the one highlighted in the Review pane, nor the marked ones); on
    the detail of an import that is not pending, a and d are not offered."""
    older = add_import(conn, "pending")
    newer = add_import(conn, "pending")
    failed = add_import(conn, "failed")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.query_one("#review")
        await until(pilot, lambda: getattr(review, "row_count", 0) == 2)
        await pilot.press("space")  # marks the newer one
        await pilot.press("enter")  # the cursor moved on to the older one
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.import_id == older
        await until(pilot, lambda: screen.detail is not None)
        assert app.check_action("accept", ()) is True
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Decline import #{older}?" in dialog_text(app)
        await pilot.press("escape")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Accept import #{older}?" in dialog_text(app)
        await pilot.press("y")
        await until(pilot, lambda: state_of(conn, older) == "reviewed")
        await pilot.press("escape")

        await failed_detail_of(app, pilot)
        assert app.check_action("accept", ()) is False
        assert app.check_action("decline", ()) is False
        await leave(pilot)
    assert state_of(conn, newer) == "pending"
    assert state_of(conn, failed) == "failed"


def test_the_pause_dialog_counts_only_imports_that_run() -> None:
    def said(running: int) -> str:
        return " ".join(pause_dialog(True, running).details)

    assert "import" not in said(0).split("new imports")[1]
    assert "The 1 import runs on to the end." in said(1)
    assert "The 2 imports run on to the end." in said(2)
