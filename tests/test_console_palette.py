"""The command palette (ctrl+p): actions and jumping to an import."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from gemma_tui.db import Connection
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.history import HistoryScreen
from gemma_tui.ui.panes import QueuedTable, ReviewTable
from tests.consoles import add_import, console, until
from tests.pictures import HOSTILE
from tests.test_console_batch import dialog_text


def offered(app: ConsoleApp) -> list[str]:
    """The palette's hits as text, each its title then its help."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return []
    hits = palette.query_one(CommandList)
    return [str(hits.get_option_at_index(n).prompt) for n in range(hits.option_count)]


async def test_a_number_in_the_palette_opens_that_import(
    dsn: str, conn: Connection
) -> None:
    """`#N`: the palette offers "Open import #N" with its kind (a hostile
    kind shown literally) and state; Enter opens its detail."""
    number = add_import(conn, "pending", kind=HOSTILE)
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 1)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*f"#{number}")
        await until(pilot, lambda: any("Open import" in o for o in offered(app)))
        [first, *_] = offered(app)
        assert first.startswith(f"Open import #{number} · [/] [@click=app.quit]")
        assert first.endswith(", pending\nits detail")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.import_id == number
        assert app.return_code is None


async def test_the_palette_runs_an_action_behind_its_confirmation(
    dsn: str, conn: Connection
) -> None:
    queued = add_import(conn, "queued")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one("#queued", QueuedTable)
        await until(pilot, lambda: pane.row_count == 1)
        pane.focus()
        await pilot.press("ctrl+p", *"cancel")
        await until(pilot, lambda: any("Cancel import" in o for o in offered(app)))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"Cancel import #{queued}?" in dialog_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))

        await pilot.press("ctrl+p", *"history", "enter")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))


async def test_read_only_palette_offers_no_decisions(
    dsn: str, conn: Connection
) -> None:
    add_import(conn, "pending")
    app = console(dsn, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 1)
        await pilot.press("ctrl+p", *"ac")
        await pilot.pause(0.5)
        assert not [o for o in offered(app) if o.startswith("Accept")]
