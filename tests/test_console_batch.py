"""Marking pending imports and deciding them together, by the pilot."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Static

from gemma_tui.db import Connection
from gemma_tui.ui import messages
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.panes import ReviewTable
from tests.consoles import add_import, console, hook, until
from tests.running import state_of


def dialog_text(app: ConsoleApp) -> str:
    return "\n".join(str(static.render()) for static in app.screen.query(Static))


def marks(review: ReviewTable) -> list[str]:
    return [key for key in review.row_keys if review.get_row(key)[0].plain == "*"]


def decided(heard: list[Message]) -> tuple[list[int], list[int]]:
    made = [m.import_id for m in heard if isinstance(m, messages.DecisionMade)]
    failed = [m.import_id for m in heard if isinstance(m, messages.DecisionFailed)]
    return sorted(made), sorted(failed)


async def test_space_marks_and_moves_down(dsn: str, conn: Connection) -> None:
    first, second, third = (add_import(conn, "pending") for _ in range(3))
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 3)
        review.focus()
        await pilot.press("space", "space")
        assert marks(review) == [str(third), str(second)]
        assert review.highlighted_key == str(first)
        assert "3 · 2 marked" in str(review.border_title)

        await pilot.press("k", "space")
        assert marks(review) == [str(third)]


async def test_a_reviewed_import_cannot_be_marked(dsn: str, conn: Connection) -> None:
    add_import(conn, "pending")
    reviewed = add_import(conn, "reviewed")
    app = console(dsn)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 2)
        review.focus()
        assert review.highlighted_key == str(reviewed)
        await pilot.press("space")
        assert marks(review) == []
        await until(pilot, lambda: app._notifications)
        [note] = list(app._notifications)
        assert note.message == f"#{reviewed} is reviewed, not pending"


async def test_a_batch_acts_on_exactly_the_confirmed_set(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    """Rows change under the dialog: a new import arrives, a marked one is
    decided elsewhere (so its mark goes). Yes decides the set the dialog
    named, no more and no fewer: the one decided elsewhere fails alone."""
    unmarked = add_import(conn, "pending")
    elsewhere = add_import(conn, "pending")
    chosen = add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test(size=(100, 30), message_hook=hook(heard)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 3)
        review.focus()
        await pilot.press("space", "space", "a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        text = dialog_text(app)
        assert "Accept these 2 imports?" in text
        assert f"Imports: #{chosen}, #{elsewhere}" in text

        newer = add_import(conn, "pending")
        conn.execute(
            "UPDATE import.imports SET state = 'declined' WHERE id = %s", (elsewhere,)
        )
        await until(pilot, lambda: str(newer) in review.row_keys)
        await until(pilot, lambda: str(elsewhere) not in review.row_keys)
        assert marks(review) == [str(chosen)]
        review.move_cursor(row=0)
        await pilot.press("y")

        await until(pilot, lambda: decided(heard) == ([chosen], [elsewhere]))
        await until(pilot, lambda: state_of(conn, chosen) == "reviewed")
    assert state_of(conn, elsewhere) == "declined"
    assert state_of(conn, unmarked) == "pending"
    assert state_of(conn, newer) == "pending"
    [summary] = [m for m in heard if isinstance(m, messages.DecisionsRecorded)]
    assert summary.made == (chosen,)
    assert [number for number, _ in summary.failed] == [elsewhere]


async def test_escape_on_a_batch_decides_nothing_and_keeps_the_marks(
    dsn: str, conn: Connection, heard: list[Message]
) -> None:
    ids = [add_import(conn, "pending") for _ in range(2)]
    app = console(dsn)
    async with app.run_test(size=(100, 30), message_hook=hook(heard)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 2)
        review.focus()
        await pilot.press("space", "space", "d")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "Decline these 2 imports?" in dialog_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        await pilot.pause(0.3)
        assert sorted(int(key) for key in marks(review)) == ids
    assert decided(heard) == ([], [])
    assert [state_of(conn, number) for number in ids] == ["pending", "pending"]


async def test_a_decision_never_acts_on_a_mark_the_filter_hides(
    dsn: str, conn: Connection
) -> None:
    """A marked import that the filter hides is not decided with `a`: the
    highlighted one that shows is; the mark comes back with the filter off."""
    hidden = add_import(conn, "pending", kind="other")
    shown = add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 2)
        review.focus()
        review.move_cursor(row=review.get_row_index(str(hidden)))
        await pilot.press("space")
        await pilot.press("slash", *"kind:toy", "enter")
        await until(pilot, lambda: review.row_keys == [str(shown)])
        assert "1 marked" not in str(review.border_title)

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Accept import #{shown}?" in dialog_text(app)
        await pilot.press("escape")

        await pilot.press("escape")
        await until(pilot, lambda: review.row_count == 2)
        assert marks(review) == [str(hidden)]
    assert state_of(conn, hidden) == "pending"
