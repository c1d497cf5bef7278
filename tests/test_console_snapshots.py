"""Pictures of the console's overview and its dialogs (see tests/pictures.py).

`pytest --snapshot-update` accepts new pictures; look at them before you do.
"""

from __future__ import annotations

from typing import Any

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from gemma_tui.db import Connection
from gemma_tui.queue.events import ImportStarted
from gemma_tui.ui import messages
from gemma_tui.ui.banner import Banner
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.keys import HelpScreen
from gemma_tui.ui.panes import ReviewTable
from tests.pictures import (
    HOSTILE,
    RunBefore,
    Size,
    Snap,
    both_sizes,
    fill,
    picture_console,
    settled,
    until,
)


@both_sizes
def test_main_screen(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """The console at 80x24, in two columns: the Review pane on top left,
    focused (▶), with #5, #4, #2, #1 newest first and their warning and
    error counts (their user and end time give way: a table shows whole
    columns only); Running "(1 · 2 runners live)" with #6 (gm, 1m 00s);
    Queued with #7 due "now" above #8 "in 25m 00s" (demo_importer whole);
    Failed "(1 in 24 h)" with #3 "51m 00s ago" (its error count gives
    way); no Locks or Runners pane (they give way at this height);
    the log at the bottom, newest line last; the footer names enter,
    space, a, d, history, filter, keys and q. No pane overflows its cell.

    At 160x50, in three columns: Review, Running and Queued side by side
    on top, every pane as wide as its columns need, so that every cell
    reads in full ("12m 00s ago", the queued user "demo_importer");
    Failed with #3, Locks (gauge_measurements exclusive and gauges
    shared, both held by #6) and Runners (gauge-host "here" running 1,
    backup-host "gone", axis-host "live", each with its uptime and PID)
    below them; the log across
    the bottom, every line in full, times in UTC."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=settled(4))


@both_sizes
def test_accept_dialog(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`a` on the highlighted #5: a dialog with a green edge asks "Accept
    import #5?" and names the kind with its description, the user, the
    log counts and what accepting does; its last line says y / Enter
    accepts and n / Esc cancels."""
    fill(conn)
    app = picture_console(dsn)
    run_before = settled(4, then="a")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_hostile_names(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """An import whose kind, user and log line are made of markup and an
    escape sequence: the Review row, the log line and the decline dialog
    (red edge) show the brackets literally, with the escape sequence gone;
    nothing is a link and the title is unchanged."""
    fill(
        conn,
        imports=(("pending", HOSTILE, HOSTILE, 9, 9, 8),),
        log=((1, "warn", HOSTILE, 8),),
    )
    app = picture_console(dsn)
    run_before = settled(1, then="d")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_quit_dialog_while_importing(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`q` while this console's runner runs #6: a dialog asks "Quit the
    console?", says one import is running, that quitting waits up to 5 s
    for it, and that it is queued again if still running then."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        pilot.app.post_message(_started(6))
        await pilot.pause()
        await pilot.press("q")
        for _ in range(100):
            if isinstance(pilot.app.screen, Confirm):
                break
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _started(import_id: int) -> messages.ImportStarted:
    return messages.ImportStarted(ImportStarted(import_id, "gm", "demo_importer"))


def test_main_screen_at_100x40(snap_compare: Snap, conn: Connection, dsn: str) -> None:
    """Narrow but tall: two columns, Review | Running, Queued | Failed, then
    Locks | Runners (they give way only below 36 lines; the Runners pane
    shows host, jobs, here/gone/live and uptime, and no pid), the log at
    the bottom. Review shows its user but not the end time, Running not
    its user, Failed "51m 00s ago" and the error count, not the user: no
    column is cut."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=(100, 40), run_before=settled(4))


@both_sizes
def test_filter(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """`/`, `kind:gm`, Enter: the filter bar above the footer reads "Filter
    kind:gm"; Review lists #5, #2, #1 (not the st import #4), Queued only
    #7, Failed #3; the log pane keeps only the lines of gm imports (#4's
    two lines are gone); the footer offers esc to clear the filter."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("slash", *"kind:gm", "enter")
        await until(pilot, lambda: _review_rows(pilot) == 3)
        # The focus goes back to the pane a moment later.
        await until(pilot, lambda: "▶" in str(_review(pilot).border_title))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_help(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """`?`: a framed list titled "Keys", grouped under Everywhere, Overview
    and so on, each line a key, what it does and the binding's id; the
    last line says Esc or ? closes it."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _review(pilot: Pilot[Any]) -> ReviewTable:
    return pilot.app.screen.query_one("#review", ReviewTable)


def _review_rows(pilot: Pilot[Any]) -> int:
    return _review(pilot).row_count


@both_sizes
def test_batch_dialog(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """Space on #5 and #4 marks them (a `*` before each, "4 · 2 marked" in
    the title); `d` asks "Decline these 2 imports?" with a red edge, names
    #5 and #4, the kinds "gm (1), st (1)", the log counts summed and what
    declining does."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("space", "space", "d")
        await until(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_marks(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """Space on #5 and #2 (j skips #4): both show a `*` in the first column,
    the cursor is on #1, the title reads "Review (4 · 2 marked)"."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("space", "j", "space")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_matching_dialog(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`/`, `kind:gm`, Enter, then `A`: a dialog with a green edge asks
    "Accept all 3 pending imports the filter matches?", names the filter
    kind:gm, the imports #5, #2 and #1, the kinds "gm (3)", the log counts
    summed and what accepting does."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("slash", *"kind:gm", "enter")
        await until(pilot, lambda: _review_rows(pilot) == 3)
        await pilot.press("A")
        await until(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _focus_and_press(pane: str, *keys: str) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        pilot.app.screen.query_one(pane).focus()
        await pilot.press(*keys)
        await until(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.pause()

    return run_before


@both_sizes
def test_retry_dialog(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`r` on the failed #3: a dialog asks "Retry import #3 now?", names
    the kind with its description and the user, says a new import runs
    the same data now while #3 stays failed, and that y / Enter retries."""
    fill(conn)
    app = picture_console(dsn)
    run_before = _focus_and_press("#failed", "r")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_cancel_dialog(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`j`, `c` in Queued: a dialog with a red edge asks "Cancel import
    #8?", names kind st, the user and "Due: in 25m 00s", and says it
    will never run and ends declined, signed by the operator; its last
    line reads "y / Enter: cancel #8    n / Esc: keep it"."""
    fill(conn)
    app = picture_console(dsn)
    run_before = _focus_and_press("#queued", "j", "c")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_palette(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """ctrl+p then `#7`: the palette lists "Open import #7 · gm, queued"
    first, with "its detail" below it, over the dimmed overview."""
    fill(conn)
    app = picture_console(dsn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
        # A blinking cursor would be drawn or not, as the picture fell.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press("#", "7")
        palette = pilot.app.screen
        hits = palette.query_one(CommandList)
        await until(pilot, lambda: hits.option_count > 0)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@both_sizes
def test_read_only(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """`console --read-only`: the title bar says "read-only"; the footer
    offers no accept or decline (enter, history, filter, keys and q only);
    the panes and the log read as on the main screen, #6 running as the
    database says."""
    fill(conn)
    app = picture_console(dsn, read_only=True)
    assert snap_compare(app, terminal_size=size, run_before=settled(4))


@both_sizes
def test_database_down(snap_compare: Snap, size: Size) -> None:
    """No server answers: a banner across the top says the database is
    unreachable, why first ("Connection refused"), then where (127.0.0.1,
    port 9); the panes stand empty beneath it, their counts "…"."""
    nowhere = "host=127.0.0.1 port=9 dbname=none user=none connect_timeout=2"
    app = picture_console(nowhere, run_runner=False)

    async def banner_up(pilot: Pilot[Any]) -> None:
        banner = pilot.app.query_one("#banner", Banner)
        await until(pilot, lambda: banner.saying("database"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=banner_up)
