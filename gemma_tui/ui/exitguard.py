"""A bound on how long a signalled console may take to end.

After SIGHUP or SIGTERM the console leaves its screen and the hosted runner
drains. Leaving the screen writes to the terminal through Textual's output
thread; with the terminal gone that can block for good, and a console that
never ends holds its imports' sessions open. Once armed, the guard (a
daemon thread) waits for the runner to drain, or to have had its time,
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
    """Ends the process if the screen has not closed within `drain_wait`
    (less, once `drained` is set) and `ui_grace` after a signal."""

    def __init__(
        self,
        drained: threading.Event,
        drain_wait: float,
        ui_grace: float = UI_GRACE,
    ) -> None:
        self._drained = drained
        self._drain_wait = drain_wait
        self._ui_grace = ui_grace
        self._closed = threading.Event()
        self._armed = False
        # Read before the UI makes the terminal raw, to give them back.
        self._modes = _terminal_modes()

    def arm(self, status: int) -> None:
        """Starts the wait; the process ends with `status` if it runs out."""
        if self._armed:
            return
        self._armed = True
        threading.Thread(
            target=self._end_when_stuck, args=(status,), name="exit-guard", daemon=True
        ).start()

    def stand_down(self) -> None:
        """The screen has closed: the guard ends nothing."""
        self._closed.set()

    def _end_when_stuck(self, status: int) -> None:
        if not self._drained.wait(self._drain_wait):
            log.warning("the runner did not stop in time; recovery will requeue")
        if self._closed.wait(self._ui_grace):
            return
        log.warning("the screen did not close in time; ending the process")
        logging.shutdown()
        self._give_back_terminal()
        os._exit(status)

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
