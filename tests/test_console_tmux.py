"""The console an operator reaches for, in a real terminal: tmux types the
keys (filter, open, back, accept, decline, quit) and reads the screen after
each, and the database says what the decisions did."""

from __future__ import annotations

import json
import re

from gemma_tui.db import Connection
from gemma_tui.demo import samples
from gemma_tui.kinds import load_kinds
from gemma_tui.queue import imports
from tests.engine import count, run_until_settled
from tests.running import state_of, wait_until
from tests.terminals import Terminal, asked, gemma_command, needs_tmux

pytestmark = needs_tmux


def pending_imports(dsn: str, conn: Connection) -> tuple[list[int], int]:
    """Three gauge exports (gm) and a station list (st), run to pending."""
    registry = load_kinds().registry
    root = samples()
    exports = sorted((root / "viadonau_asc").glob("*.asc"))[:3]
    stations = root / "stations" / "pegelonline_stations_2014-04-24.json"
    gauges = [
        imports.enqueue(conn, registry, "gm", json.dumps({"file": str(path)}))
        for path in exports
    ]
    station = imports.enqueue(
        conn, registry, "st", json.dumps({"file": str(stations)}), user="bob"
    )
    ids = [*gauges, station]
    outcome = run_until_settled(dsn, conn, *ids, registry=registry)
    assert set(outcome.values()) == {"pending"}
    return gauges, station


def review_rows(screen: str) -> dict[int, str]:
    """The rows of the review pane on screen: id to kind."""
    found = re.findall(r"^\s*\*?\s*#(\d+)\s+(\w+)\s+pending\b", screen, re.MULTILINE)
    return {int(number): kind for number, kind in found}


def staged(conn: Connection, import_id: int) -> int:
    """Rows the import has staged and not yet published or deleted."""
    return count(conn, "import.track_imports", "import_id = %s", import_id)


def measurements(conn: Connection) -> int:
    return count(conn, "waterway.gauge_measurements")


def test_filter_open_back_accept_decline_and_quit_in_tmux(
    dsn: str, conn: Connection
) -> None:
    """`/` narrows the review pane to one kind, enter opens the highlighted
    import and escape comes back with the filter still on; `a`+`y` accepts
    (its staged rows are published), `d`+`y` declines (they are deleted),
    both signed by the `--as` role; `q` quits, as nothing runs."""
    gauges, station = pending_imports(dsn, conn)
    newest, middle, oldest = sorted(gauges, reverse=True)
    terminal = Terminal(gemma_command("--dsn", dsn, "console", "--as", "rita"))
    try:
        wait_until(lambda: "Review (4)" in terminal.screen(), timeout=60)
        # The console fills the window (not a size left in the environment).
        assert max(len(line) for line in terminal.screen().splitlines()) == 100
        assert review_rows(terminal.screen()) == {station: "st"} | {
            number: "gm" for number in gauges
        }

        terminal.keys("/")
        wait_until(lambda: "kind:gm state:failed" in terminal.screen())
        terminal.type("kind:gm")
        terminal.keys("Enter")
        wait_until(lambda: "Review (3)" in terminal.screen())
        screen = terminal.screen()
        assert review_rows(screen) == {number: "gm" for number in gauges}
        assert "Filter kind:gm" in screen

        terminal.keys("Enter")
        wait_until(lambda: f"Import #{newest} · gm · pending" in terminal.screen())
        screen = terminal.screen()
        assert "Gauge measurements (viadonau ASC export)" in screen
        assert "staged 600 of 600 values of 3 gauges" in screen

        terminal.keys("Escape")
        wait_until(lambda: "Review (3)" in terminal.screen())
        assert "Filter kind:gm" in terminal.screen()

        terminal.keys("a")
        assert wait_until(lambda: asked(terminal, "Accept")) == newest
        before = measurements(conn)
        assert staged(conn, newest) == 600
        terminal.keys("y")
        wait_until(lambda: state_of(conn, newest) == "accepted", timeout=30)
        wait_until(lambda: "Review (2)" in terminal.screen())
        assert review_rows(terminal.screen()) == {middle: "gm", oldest: "gm"}
        # Published: the rows stay, no longer tracked as staged.
        assert (staged(conn, newest), measurements(conn)) == (0, before)

        terminal.keys("d")
        declined = wait_until(lambda: asked(terminal, "Decline"))
        assert declined in (middle, oldest)
        rows = staged(conn, declined)
        assert rows > 0
        terminal.keys("y")
        wait_until(lambda: state_of(conn, declined) == "declined", timeout=30)
        wait_until(lambda: "Review (1)" in terminal.screen())
        # Deleted: what it staged is gone.
        assert (staged(conn, declined), measurements(conn)) == (0, before - rows)

        terminal.keys("q")
        wait_until(lambda: not terminal.alive(), timeout=15)
    finally:
        terminal.close()
    kept = ({middle, oldest} - {declined}).pop()
    assert state_of(conn, kept) == "pending"
    assert state_of(conn, station) == "pending"
    signers = conn.execute(
        "SELECT signer FROM import.imports WHERE id = ANY(%s)", ([newest, declined],)
    ).fetchall()
    assert signers == [("rita",), ("rita",)]


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_codes(screen: str) -> set[str]:
    """Every SGR parameter the screen uses to set a colour."""
    found: set[str] = set()
    for match in SGR.finditer(screen):
        params = match[1].split(";")
        while params:
            code = params.pop(0)
            if code in ("38", "48"):
                # An extended colour: 5;N (256) or 2;R;G;B (truecolour).
                found.add(f"{code};{';'.join(params)}")
                break
            if code and (30 <= int(code) <= 49 or 90 <= int(code) <= 107):
                found.add(code)
    return found


def test_a_16_colour_terminal_without_colour_still_tells_every_state(
    dsn: str, conn: Connection
) -> None:
    """At 80x24 on the Linux console with NO_COLOR, the console draws with
    the 16 basic colours only, and each import's state is a word on screen."""
    gauges, station = pending_imports(dsn, conn)
    conn.execute("UPDATE import.imports SET state = 'failed' WHERE id = %s", (station,))
    terminal = Terminal(
        gemma_command(
            "--dsn", dsn, "console", "--read-only", term="linux", extra="NO_COLOR=1"
        ),
        size=(80, 24),
    )
    try:
        wait_until(lambda: f"#{gauges[0]}" in terminal.screen(), timeout=60)
        wait_until(lambda: f"#{station}" in terminal.screen(), timeout=30)
        screen = terminal.screen()
        coloured = terminal.screen(colours=True)
    finally:
        terminal.close()
    assert_16_colours_at_80x24(screen, coloured)
    assert set(review_rows(screen)) == set(gauges)
    assert re.search(rf"#{station}\b.*\bst\b", screen), screen


def assert_16_colours_at_80x24(screen: str, coloured: str) -> None:
    """The screen fits 80x24 and sets no 256 or truecolour colour."""
    assert len(screen.splitlines()) <= 24
    assert all(len(line) <= 80 for line in screen.splitlines())
    extended = {code for code in colour_codes(coloured) if ";" in code}
    assert extended == set(), extended


def shows(terminal: Terminal, pattern: str) -> str:
    """Waits until `pattern` is on screen; checks the screen's colours
    and returns its text."""
    wait_until(lambda: re.search(pattern, terminal.screen()), timeout=30)
    screen = terminal.screen()
    assert_16_colours_at_80x24(screen, terminal.screen(colours=True))
    return screen


def linux_console(dsn: str, *args: str) -> Terminal:
    command = gemma_command(
        "--dsn", dsn, "console", *args, term="linux", extra="NO_COLOR=1"
    )
    return Terminal(command, size=(80, 24))


def test_the_views_and_the_new_import_dialog_read_without_colour(
    dsn: str, conn: Connection
) -> None:
    """At 80x24 on the Linux console with NO_COLOR, the log (3), locks (4)
    and runners (5) views and the New import dialog with its confirmation
    draw with the 16 basic colours only, and tell levels, free resources,
    runner states and the focused part in words."""
    gauges, _ = pending_imports(dsn, conn)
    registry = load_kinds().registry
    export = sorted((samples() / "viadonau_asc").glob("*.asc"))[-1]
    data = json.dumps({"file": str(export)})
    # Due, its resources show as wanted in the locks view while no runner
    # takes it.
    imports.enqueue(conn, registry, "gm", data)

    terminal = linux_console(dsn, "--read-only")
    try:
        shows(terminal, rf"#{gauges[0]}\b")
        terminal.keys("3")
        assert re.search(r"#\d+ +info ", shows(terminal, r"▶ Log"))
        terminal.keys("4")
        locks = shows(terminal, r"Dependency locks \(0 held · \d+ free")
        assert re.search(r"gauge_measurements +free +-", locks), locks
    finally:
        terminal.close()

    terminal = linux_console(dsn, "--as", "rita")
    try:
        shows(terminal, rf"#{gauges[0]}\b")
        terminal.keys("5")
        assert re.search(r"\bhere\b", shows(terminal, r"▶ Runners \(\d+\)"))
        terminal.keys("1")
        shows(terminal, r"▶ Review")
        terminal.keys("n")
        dialog = shows(terminal, r"▶ Kind")
        assert "File for gm in" in dialog
        terminal.keys("Tab", "Tab")
        shows(terminal, r"▶ Or its path")
        terminal.type(str(export))
        terminal.keys("Enter")
        confirmation = shows(terminal, r"Queue a new import of kind gm\?")
        assert "User: rita" in confirmation
    finally:
        terminal.close()
