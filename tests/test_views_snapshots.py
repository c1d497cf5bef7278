"""Pictures of the log, locks and runners views (see tests/pictures.py),
each at 80x24 and at 160x50."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen

from gemma_tui.db import Connection
from gemma_tui.ui.locksview import LocksScreen
from gemma_tui.ui.runnersview import RunnersScreen
from gemma_tui.ui.views import LogScreen
from tests.pictures import (
    RunBefore,
    Size,
    Snap,
    both_sizes,
    fill,
    picture_console,
    settled,
    until,
)


def view(key: str, screen: type[Screen[Any]], *keys: str) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(pilot.app.screen, screen))
        await pilot.pause(0.1)
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.1)

    return run_before


@both_sizes
def test_log_view(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """`3`: the log stream fills the screen under "▶ Log · times UTC", all
    nine lines of `fill`, oldest first, the newest (#6 "Reading
    export_2024-06.asc.") last; the footer names Info, Warnings, Errors
    and Overview (esc)."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=view("3", LogScreen))


@both_sizes
def test_log_view_filtered(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`3`, `i`, then `/` `kind:st` Enter: only #4's warning about
    KIENSTOCK is left (info hidden, "hiding info" in the title; the gm
    imports' lines filtered out); the filter bar reads "Filter kind:st"."""
    fill(conn)
    app = picture_console(dsn)
    keys = ("i", "slash", *"kind:st", "enter")
    assert snap_compare(app, terminal_size=size, run_before=view("3", LogScreen, *keys))


@both_sizes
def test_locks_view(snap_compare: Snap, conn: Connection, dsn: str, size: Size) -> None:
    """`4`: "▶ Dependency locks (2 held)": gauge_measurements held
    exclusive by #6 (gm) for 1m 00s, with #7 waiting for it, and gauges
    held shared by #6, nobody waiting (the queued #8 is not due yet); at
    80 columns without the holder's kind, so that every other column,
    the user demo_importer too, reads whole; at 160 with it."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=view("4", LocksScreen))


@both_sizes
def test_runners_view(
    snap_compare: Snap, conn: Connection, dsn: str, size: Size
) -> None:
    """`5`: "▶ Runners (3)": 1 gauge-host "here" running 1 import, up 1h
    30m, last seen 0s ago, pid 4242; 2 backup-host "gone"; 3 axis-host
    "live". Below (beside, at 160 columns) "Imports of runner 1 ·
    gauge-host (1)" lists #6 gm running 1m 00s for demo_importer."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=size, run_before=view("5", RunnersScreen))
