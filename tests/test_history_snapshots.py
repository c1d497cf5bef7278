"""Pictures of the history view (see tests/pictures.py for what is pinned)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from gemma_tui.db import Connection
from gemma_tui.ui.history import HistoryScreen
from tests.pictures import (
    HOSTILE,
    Size,
    Snap,
    ago,
    both_sizes,
    fill,
    picture_console,
    settled,
    until,
)

STATES = ("accepted", "declined", "failed", "unchanged", "accepted")


def fill_history(conn: Connection, count: int = 60) -> None:
    """`fill`'s eight imports, then `count` finished ones, a minute apart;
    every seventh reviewed by rita, one of a hostile kind."""
    fill(conn)
    for number in range(count):
        state = STATES[number % len(STATES)]
        signer = "rita" if state in ("accepted", "declined") else None
        kind = HOSTILE if number == count - 3 else ("gm", "st")[number % 2]
        conn.execute(
            "INSERT INTO import.imports (state, kind, username, signer,"
            " enqueued, due, changed, data) VALUES (%s, %s, %s, %s, %s, %s, %s,"
            " '{}')",
            (
                state,
                kind,
                ("demo_importer", "anna")[number % 3 == 0],
                signer,
                ago(2000 - number),
                ago(2000 - number),
                ago(1990 - number),
            ),
        )


def history(*keys: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
        screen = pilot.app.screen
        assert isinstance(screen, HistoryScreen)
        await until(pilot, lambda: screen.table.rows and not screen.table.busy)
        if keys:
            await pilot.press(*keys)
            await until(pilot, lambda: not screen.table.busy)
        await pilot.pause()

    return run_before


@both_sizes
def test_history(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """`2` on the overview: "History · newest first · #68 to #49" over a
    heading and 20 imports newest first, each with its state as a word,
    kind, user, signer (rita for accepted and declined ones) and short
    times; #66's hostile kind reads literally; the cursor is on #68; a
    one-cell thumb at the top right; the footer names g Newest, G Oldest,
    Open, Overview, History and Quit."""
    fill_history(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=history())


@both_sizes
def test_history_at_the_oldest(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`G`: the oldest imports, #46 to #1, with the cursor on #1 at the
    bottom line; long times with seconds and a Due column; the thumb at
    the bottom right."""
    fill_history(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=history("G"))
