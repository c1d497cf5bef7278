"""Pictures of the new import dialog (`n`), over a fixed directory.

The home directory is a temporary one and the current directory its
`exports` folder, with known entries, so that the tree and its title
("File in ~/exports") are the same on every run.
`pytest --snapshot-update` accepts new pictures; look at them before you do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from gemma_tui.db import Connection
from gemma_tui.ui.newimport import FileTree, NewImportScreen
from tests.pictures import RunBefore, Snap, fill, picture_console, settled, until

# Entries of the current directory: a folder, exports, a station list, and
# a name made of markup and an escape sequence.
ENTRIES = (
    "older/",
    "20220516062300.asc",
    "20220516063800.asc",
    "20220516065300.asc",
    "pegelonline_stations_2014-04-24.json",
    "[@click=app.quit]quit \x1b]2;x\x07.asc",
)


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    for entry in ENTRIES:
        if entry.endswith("/"):
            (folder / entry).mkdir()
        else:
            (folder / entry).write_text("x")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(folder)
    return folder


def opened(*keys: str, refused: bool = False) -> RunBefore:
    """Opens the dialog once the overview has settled, waits for the tree
    to list the directory, then presses `keys` (and, if `refused`, waits
    for the problem line)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(4)(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(pilot.app.screen, NewImportScreen))
        screen = pilot.app.screen
        # A blinking cursor would be drawn or not, as the picture fell.
        screen.query_one(Input).cursor_blink = False
        tree = screen.query_one(FileTree)
        await until(pilot, lambda: len(tree.root.children) == len(ENTRIES))
        await pilot.press(*keys)
        problem = screen.query_one("#new-import-problem")
        await until(pilot, lambda: problem.display or not refused)
        await pilot.pause(0.3)

    return run_before


def test_new_import_at_80x24(
    snap_compare: Snap, conn: Connection, dsn: str, exports: Path
) -> None:
    """`n`: a dialog over the whole screen titled "New import". "▶ Kind"
    lists gm, st and wx with their descriptions, gm highlighted; "File for
    gm in ~/exports" lists the folder older first, then the three exports,
    the hostile name with its brackets shown literally and its escape
    sequence gone, and the station list; below, "Or its path (type or
    paste)" with its placeholder, and the keys: Tab, Enter, Backspace,
    Esc."""
    fill(conn)
    app = picture_console(dsn)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened())


def test_new_import_at_160x50(
    snap_compare: Snap, conn: Connection, dsn: str, exports: Path
) -> None:
    """Down, Tab, down twice: the dialog, 90 cells wide in the middle of the
    dimmed overview; st stays highlighted in the kinds, and the file part,
    marked instead, is titled "▶ File for st in ~/exports", its cursor on
    20220516062300.asc; every entry reads in full."""
    fill(conn)
    app = picture_console(dsn)
    run_before = opened("down", "tab", "down", "down")
    assert snap_compare(app, terminal_size=(160, 50), run_before=run_before)


def test_new_import_refused_at_80x24(
    snap_compare: Snap, conn: Connection, dsn: str, exports: Path
) -> None:
    """Tab twice, `older`, Enter: the path part is marked ▶ and holds
    "older"; one line above the keys says "Cannot queue it: 'older' is a
    directory, not a file"; no confirmation opens, nothing else changed."""
    fill(conn)
    app = picture_console(dsn)
    run_before = opened("tab", "tab", *"older", "enter", refused=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
