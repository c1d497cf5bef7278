"""Deciding every pending import the filter matches, by the pilot."""

from __future__ import annotations

from textual.message import Message

from gemma_tui.db import Connection
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.panes import ReviewTable
from tests.consoles import add_import, console, hook, until
from tests.running import state_of
from tests.test_console_batch import decided, dialog_text


async def test_all_matching_decides_the_set_fixed_when_the_dialog_opened(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    """`A` with `kind:other` names both pending `other` imports (not the
    `toy` one); an `other` import that arrives while the dialog is open is
    shown in the pane but not decided."""
    toy = add_import(conn, "pending", kind="toy")
    first = add_import(conn, "pending", kind="other")
    second = add_import(conn, "pending", kind="other")
    app = console(dsn)
    async with app.run_test(size=(100, 30), message_hook=hook(heard)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 3)
        await pilot.press("slash", *"kind:other", "enter")
        await until(pilot, lambda: review.row_count == 2)
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        text = dialog_text(app)
        assert "Accept all 2 pending imports the filter matches?" in text
        assert "Filter: kind:other" in text
        assert f"Imports: #{second}, #{first}" in text

        late = add_import(conn, "pending", kind="other")
        await until(pilot, lambda: str(late) in review.row_keys)
        await pilot.press("y")
        await until(pilot, lambda: decided(heard) == ([first, second], []))
        await until(pilot, lambda: state_of(conn, second) == "reviewed")
        await pilot.pause(0.3)
    assert state_of(conn, first) == "reviewed"
    assert state_of(conn, late) == "pending"
    assert state_of(conn, toy) == "pending"


async def test_all_matching_needs_a_filter(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    """Without a filter `D` does nothing at all: no dialog, no decision."""
    pending = add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test(size=(100, 30), message_hook=hook(heard)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 1)
        await pilot.press("D")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, Confirm)
    assert decided(heard) == ([], [])
    assert state_of(conn, pending) == "pending"


async def test_escape_on_all_matching_decides_nothing(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    pending = add_import(conn, "pending", kind="other")
    app = console(dsn)
    async with app.run_test(size=(100, 30), message_hook=hook(heard)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 1)
        await pilot.press("slash", *"kind:other", "enter")
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "Decline the 1 pending import the filter matches?" in dialog_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        await pilot.pause(0.3)
    assert decided(heard) == ([], [])
    assert state_of(conn, pending) == "pending"
