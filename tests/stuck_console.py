"""gemma-tui whose screen never finishes closing, as when the terminal it
draws on is gone and the last writes to it block. It writes its process id
to the file its first argument names; the rest are gemma-tui's."""

import os
import sys
import threading
from pathlib import Path

from textual.drivers.linux_driver import LinuxDriver

from gemma_tui.cli import main


def _never_closes(driver: LinuxDriver) -> None:
    threading.Event().wait()


LinuxDriver.close = _never_closes  # type: ignore[method-assign,assignment]
Path(sys.argv.pop(1)).write_text(str(os.getpid()))

raise SystemExit(main())
