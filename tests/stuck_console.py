"""gemma-tui whose terminal output blocks for good, as when the terminal it
draws on is gone: `close` blocks closing the screen; `stall:FILE` blocks
every write once FILE exists, the main loop with it; `none` blocks
nothing. The first argument
names the file it writes its process id to, the second the mode; the rest
are gemma-tui's."""

import os
import sys
import threading
from pathlib import Path

from textual.drivers.linux_driver import LinuxDriver

from gemma_tui.cli import main


def _never_closes(driver: LinuxDriver) -> None:
    threading.Event().wait()


def _stalls_once(flag: Path) -> None:
    write = LinuxDriver.write

    def stalling(driver: LinuxDriver, data: str) -> None:
        if flag.exists():
            threading.Event().wait()
        write(driver, data)

    LinuxDriver.write = stalling  # type: ignore[method-assign,assignment]


pid_file, mode = sys.argv.pop(1), sys.argv.pop(1)
if mode == "close":
    LinuxDriver.close = _never_closes  # type: ignore[method-assign,assignment]
elif mode.startswith("stall:"):
    _stalls_once(Path(mode.removeprefix("stall:")))
Path(pid_file).write_text(str(os.getpid()))

raise SystemExit(main())
