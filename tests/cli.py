"""Running the real command line, as a user would, in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys


def gemma(
    *args: str, dsn: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`gemma-tui [--dsn DSN] ARGS` with the caller's environment, less any
    GEMMA_TUI_* setting of the test run, plus `env`."""
    options = ["--dsn", dsn] if dsn else []
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GEMMA_TUI_")
    }
    return subprocess.run(
        [sys.executable, "-m", "gemma_tui", *options, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=inherited | (env or {}),
    )
