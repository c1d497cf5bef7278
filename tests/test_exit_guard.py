"""A signalled console ends within a bound even when its screen cannot be
closed: a real console in tmux whose terminal output blocks for good."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
from pathlib import Path

import pytest

from gemma_tui.ui.app import EXIT_MARGIN
from gemma_tui.ui.exitguard import UI_GRACE
from tests.running import wait_until
from tests.terminals import Terminal, needs_tmux

pytestmark = needs_tmux

STUCK = os.path.join(os.path.dirname(__file__), "stuck_console.py")


class StuckConsole:
    """The stuck console in a tmux window; the shell around it writes the
    console's exit status to a file once it ends."""

    def __init__(self, folder: Path, dsn: str, *args: str) -> None:
        self.pid_file = folder / "pid"
        self.status_file = folder / "status"
        # Its own home: the console's log goes below it.
        self.home = folder / "home"
        home = shlex.quote(str(self.home))
        argv = [sys.executable, STUCK, str(self.pid_file)]
        argv += ["--dsn", dsn, "console", *args]
        program = f"env TERM=xterm-256color HOME={home} {shlex.join(argv)}"
        script = f"{program}; echo $? > {shlex.quote(str(self.status_file))}"
        self.terminal = Terminal(f"exec sh -c {shlex.quote(script)}")

    def pid(self) -> int | None:
        text = self.pid_file.read_text() if self.pid_file.exists() else ""
        return int(text) if text else None

    def log(self) -> str:
        found = list(self.home.glob("**/gemma-tui/log/console.log"))
        return found[0].read_text() if found else ""

    def status(self) -> int | None:
        text = self.status_file.read_text() if self.status_file.exists() else ""
        return int(text) if text.strip() else None


@pytest.mark.parametrize(
    ("number", "args"),
    [(signal.SIGHUP, ("--read-only",)), (signal.SIGTERM, ())],
    ids=["SIGHUP read-only", "SIGTERM with a runner"],
)
def test_a_console_whose_screen_cannot_close_still_ends(
    dsn: str, tmp_path: Path, number: signal.Signals, args: tuple[str, ...]
) -> None:
    """The signal stops the runner (none runs here, so it drains at once);
    the screen's closing blocks for good, and the process ends all the
    same, within the drain and UI graces, with 128 + the signal's number."""
    console = StuckConsole(tmp_path, dsn, *args)
    try:
        # Counted once the watcher reports, after the signal handlers are set.
        wait_until(lambda: "Review (0)" in console.terminal.screen(), timeout=60)
        os.kill(wait_until(console.pid), number)
        signalled = time.monotonic()
        status = wait_until(console.status, timeout=30)
        took = time.monotonic() - signalled
    finally:
        console.terminal.close()
    assert status == 128 + number
    logged = console.log()
    assert "console started" in logged
    assert f"leaving on {number.name}" in logged
    assert "the screen did not close in time; ending the process" in logged
    # Not before the UI had its grace, and well before the drain bound.
    assert took >= UI_GRACE
    bound = EXIT_MARGIN + UI_GRACE
    print(f"{number.name}: ended after {took:.2f} s (bound: drain + {bound} s)")
