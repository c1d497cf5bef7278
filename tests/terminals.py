"""The real program in a real terminal: a private tmux server per test.

tmux types the keys an operator would (`send-keys`) and reads the screen
back (`capture-pane`); tests skip themselves where tmux is missing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Terminal:
    """A private tmux server running one command in a window of `size`
    (100x30 unless given)."""

    def __init__(self, command: str, size: tuple[int, int] = (100, 30)) -> None:
        self.socket = f"gemma-tui-test-{uuid.uuid4().hex[:8]}"
        width, height = size
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return result.stdout

    def screen(self, *, colours: bool = False) -> str:
        """The pane's text; with `colours`, its SGR escape sequences too."""
        return self.tmux("capture-pane", "-p", *(["-e"] if colours else []))

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)
        time.sleep(0.3)

    def type(self, text: str) -> None:
        """Types `text` as it is, not as key names."""
        self.tmux("send-keys", "-l", text)
        time.sleep(0.3)

    def pid(self) -> int:
        return int(self.tmux("display", "-p", "#{pane_pid}").strip())

    def alive(self) -> bool:
        return bool(self.tmux("list-sessions").strip())

    def close(self) -> None:
        self.tmux("kill-server")


def _environment() -> dict[str, str]:
    # GNU readline, loaded into the test process, exports LINES and COLUMNS
    # of the terminal it found (or 80x24) behind os.environ's back; left
    # to the tmux server, they would fix the program's size at that.
    return {
        name: value
        for name, value in os.environ.items()
        if name not in ("LINES", "COLUMNS")
    }


def gemma_command(*args: str, term: str = "xterm-256color", extra: str = "") -> str:
    """The shell command that runs `gemma-tui ARGS` in a terminal of type
    `term`, with `extra` (NAME=value ...) added to its environment."""
    env = f"TERM={term} HOME={os.environ.get('HOME', '/root')} {extra}".strip()
    return f"exec env {env} {shlex.join([sys.executable, '-m', 'gemma_tui', *args])}"


def asked(terminal: Terminal, verb: str) -> int | None:
    """The import a confirmation on screen asks about, if one does."""
    found = re.search(rf"{verb} import #(\d+)\?", terminal.screen())
    return int(found[1]) if found else None
