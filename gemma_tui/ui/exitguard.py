"""A bound on how long a signalled console may take to end.

After SIGHUP or SIGTERM the console leaves its screen and the hosted runner
drains. Leaving the screen writes to the terminal through Textual's output
thread; with the terminal gone that can block for good, and a console that
never ends holds its imports' sessions open. Told of a signal, the guard
(a daemon thread) waits for the runner to drain, or to have had its time,
and then a little more for the screen to close; if it has not, it ends the
process. Once the screen has closed, the guard stands down, and what the
host does next (stopping its own server, say) takes the time it needs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import termios
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# How long the screen may take to close once the runner has drained.
UI_GRACE = 3.0
# What Textual undoes when it closes the screen: the keyboard protocol,
# mouse reports, pasting and focus reports off, the cursor shown, back
# from the alternate screen.
SCREEN_RESET = (
    b"\x1b[<u\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l"
    b"\x1b[?1004l\x1b[?25h\x1b[?1049l"
)


class ExitGuard:
    """Once told of a signal, ends the process if the screen has not
    closed within `drain_wait` (less, once `drained` is set) and
    `ui_grace` after; first it calls `on_signal` with the signal's number,
    in its own thread."""

    def __init__(
        self,
        drained: threading.Event,
        drain_wait: float,
        on_signal: Callable[[int], None],
        ui_grace: float = UI_GRACE,
    ) -> None:
        self._drained = drained
        self._drain_wait = drain_wait
        self._on_signal = on_signal
        self._ui_grace = ui_grace
        self._closed = threading.Event()
        # A signal handler may interrupt the main thread while it holds
        # any lock (an Event's, the one that starts threads): the handler
        # only writes a byte here, and the guard's thread does the rest.
        self._signals, self._tell = os.pipe()
        # Read before the UI makes the terminal raw, to give them back.
        self._modes = _terminal_modes()

    def start(self) -> None:
        """Starts the guard's thread, which waits to be told of a signal."""
        threading.Thread(target=self._guard, name="exit-guard", daemon=True).start()

    def signalled(self, number: int) -> None:
        """Tells the guard of signal `number`; safe in a signal handler."""
        with contextlib.suppress(OSError):
            os.write(self._tell, bytes([number]))

    def stand_down(self) -> None:
        """The screen has closed: the guard ends nothing."""
        self._closed.set()

    def _guard(self) -> None:
        told = os.read(self._signals, 1)
        if not told or self._closed.is_set():
            return
        number = told[0]
        self._on_signal(number)
        if not self._drained.wait(self._drain_wait):
            log.warning("the runner did not stop in time; recovery will requeue")
        if self._closed.wait(self._ui_grace):
            return
        log.warning("the screen did not close in time; ending the process")
        logging.shutdown()
        self._give_back_terminal()
        os._exit(128 + number)

    def _give_back_terminal(self) -> None:
        # Typed lines echo again in a terminal that is still there; one
        # that is gone refuses, which changes nothing.
        if self._modes is not None:
            with contextlib.suppress(OSError, ValueError, termios.error):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._modes)
        with contextlib.suppress(OSError, ValueError):
            # A descriptor of its own that never blocks: a terminal that
            # takes no output must not keep the process alive, and the
            # shell's descriptor keeps its own flags.
            fd = os.open(
                os.ttyname(sys.stderr.fileno()),
                os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY,
            )
            try:
                os.write(fd, SCREEN_RESET)
            finally:
                os.close(fd)


def _terminal_modes() -> list[Any] | None:
    try:
        return list(termios.tcgetattr(sys.stdin.fileno()))
    except (OSError, ValueError, termios.error):
        return None
