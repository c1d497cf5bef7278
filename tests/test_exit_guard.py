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

    def __init__(self, folder: Path, dsn: str, *args: str, mode: str = "close") -> None:
        self.pid_file = folder / "pid"
        self.status_file = folder / "status"
        # Its own home: the console's log goes below it.
        self.home = folder / "home"
        home = shlex.quote(str(self.home))
        argv = [sys.executable, STUCK, str(self.pid_file), mode]
        argv += ["--dsn", dsn, "console", *args]
        program = f"env TERM=xterm-256color HOME={home} {shlex.join(argv)}"
        # The shell stays a while, so that the terminal can be read after.
        status = shlex.quote(str(self.status_file))
        script = f"{program}; echo $? > {status}; sleep 30"
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


def test_a_console_stuck_drawing_still_ends_on_a_signal(
    dsn: str, tmp_path: Path
) -> None:
    """The main loop itself blocks writing to the terminal (as when
    Textual's output thread died on a terminal that is gone), so nothing
    the loop would run can answer a signal: SIGTERM still ends the
    process, with 143, once the drain and the UI's grace are over."""
    stall = tmp_path / "stall"
    console = StuckConsole(tmp_path, dsn, mode=f"stall:{stall}")
    try:
        wait_until(lambda: "Review (0)" in console.terminal.screen(), timeout=60)
        stall.touch()
        # The clock on screen redraws each second: the next write stalls.
        time.sleep(2.0)
        os.kill(wait_until(console.pid), signal.SIGTERM)
        signalled = time.monotonic()
        status = wait_until(console.status, timeout=30)
        took = time.monotonic() - signalled
    finally:
        console.terminal.close()
    assert status == 143
    assert took >= UI_GRACE
    assert "leaving on" not in console.log()  # the loop never got to it
    assert "the screen did not close in time" in console.log()
    print(f"stuck drawing: ended after {took:.2f} s")


def test_a_signal_while_the_screen_comes_up_leaves_the_terminal_as_it_was(
    dsn: str, tmp_path: Path
) -> None:
    """SIGTERM as soon as the console has taken the terminal (alternate
    screen on), before it is ready: it ends with 143, and the terminal is
    back: main screen, cursor shown, no mouse reports."""
    console = StuckConsole(tmp_path, dsn, mode="none")
    try:
        pid = wait_until(console.pid, timeout=60)
        wait_until(lambda: flags(console.terminal)["alternate_on"] == "1", timeout=60)
        os.kill(pid, signal.SIGTERM)
        status = wait_until(console.status, timeout=30)
        after = flags(console.terminal)
    finally:
        console.terminal.close()
    assert status == 143
    assert after == {"alternate_on": "0", "cursor_flag": "1", "mouse_any_flag": "0"}


def flags(terminal: Terminal) -> dict[str, str]:
    names = ("alternate_on", "cursor_flag", "mouse_any_flag")
    shown = terminal.tmux("display", "-p", ":".join(f"#{{{n}}}" for n in names))
    return dict(zip(names, shown.strip().split(":"), strict=True))
