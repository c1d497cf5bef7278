"""The demo in a real terminal: tmux types the keys an operator would."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gemma_tui.db import Connection
from tests.conftest import server_parent
from tests.engine import moved
from tests.running import wait_until
from tests.terminals import Terminal, asked, gemma_command, needs_tmux

pytestmark = needs_tmux


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: a pytest starting meanwhile (another
    # checkout's, say) makes its base directory private again, and the
    # server, which runs as its own user, could then not be stopped.
    with server_parent("gemma-tui-demo-") as parent:
        directory = parent / "pgdata"
        yield directory
        # A console killed with its terminal leaves the embedded server up.
        pid_file = directory / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            wait_until(lambda: not pid_file.exists(), timeout=30)


def gemma_json(data_dir: Path, *args: str) -> object:
    result = subprocess.run(
        [sys.executable, "-m", "gemma_tui", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def states(data_dir: Path) -> dict[int, str]:
    rows = gemma_json(data_dir, "list", "--json")
    assert isinstance(rows, list)
    return {row["id"]: row["state"] for row in rows}


def server_dsn(data_dir: Path) -> str:
    """The demo's running server, read off its postmaster.pid."""
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    return f"host={socket_dir} port={port} user=postgres dbname=postgres"


def staged_rows(data_dir: Path, import_id: int) -> tuple[int, int]:
    """(rows the import has staged, rows in the gauge tables) now."""
    with psycopg.connect(server_dsn(data_dir), autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM import.track_imports"
            "        WHERE import_id = %s),"
            "       (SELECT count(*) FROM waterway.gauge_measurements)"
            "     + (SELECT count(*) FROM waterway.gauges)",
            (import_id,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_the_demo_accepts_and_declines_from_the_keyboard(data_dir: Path) -> None:
    """Demo: imports reach pending, `a`+`y` accepts one, `d`+`y` declines
    another and its staged rows are gone; `q` asks nothing once nothing
    runs."""
    command = gemma_command("--data-dir", str(data_dir), "demo")
    started = time.monotonic()
    terminal = Terminal(command)
    try:
        wait_until(lambda: "Review (" in terminal.screen(), timeout=60)
        first_frame = time.monotonic() - started
        wait_until(lambda: list(states(data_dir).values()).count("pending") == 16)
        all_pending = time.monotonic() - started
        assert list(states(data_dir).values()).count("failed") == 1

        terminal.keys("a")
        accepted = wait_until(lambda: asked(terminal, "Accept"))
        terminal.keys("y")
        wait_until(lambda: states(data_dir).get(accepted) == "accepted")

        terminal.keys("Up")
        terminal.keys("d")
        declined = wait_until(lambda: asked(terminal, "Decline"))
        assert declined != accepted
        staged, total = staged_rows(data_dir, declined)
        assert staged > 0
        terminal.keys("y")
        wait_until(lambda: states(data_dir).get(declined) == "declined")
        assert staged_rows(data_dir, declined) == (0, total - staged)

        terminal.keys("q")
        wait_until(lambda: not terminal.alive(), timeout=15)
    finally:
        terminal.close()
    print(f"first frame {first_frame:.2f} s, all pending {all_pending:.2f} s")


@pytest.mark.parametrize(
    "number", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"]
)
def test_a_signal_while_importing_ends_the_console_and_leaves_none_running(
    data_dir: Path, number: signal.Signals
) -> None:
    """A dropped SSH session (SIGHUP) or a kill (SIGTERM) while an import
    runs: the console exits within the drain grace and the import is queued
    again, not left running. The test holds a lock on the staging table so
    that the import is surely running when the signal comes."""
    command = gemma_command("--data-dir", str(data_dir), "demo")
    terminal = Terminal(command)
    blocker: psycopg.Connection[tuple[object, ...]] | None = None
    try:
        wait_until(lambda: "Review (" in terminal.screen(), timeout=60)
        # The console stops its server on the way out, which ends this
        # connection too; closing it (no commit) is all that is left.
        blocker = psycopg.connect(server_dsn(data_dir))
        blocker.execute(
            "LOCK TABLE waterway.gauge_measurements IN ACCESS EXCLUSIVE MODE"
        )
        stuck = wait_until(lambda: blocked_import(data_dir), timeout=30)
        os.kill(terminal.pid(), number)
        signalled = time.monotonic()
        wait_until(lambda: not terminal.alive(), timeout=20)
        took = time.monotonic() - signalled
    finally:
        if blocker is not None:
            blocker.close()
        terminal.close()
    # The console's server stops after the console: let it finish first.
    wait_until(lambda: not (data_dir / "postmaster.pid").exists(), timeout=30)
    left = states(data_dir)
    assert left[stuck] == "queued"
    assert "running" not in left.values()
    print(f"{number.name}: gone after {took:.2f} s")


def blocked_import(data_dir: Path) -> int | None:
    """The running import, once some session waits for a lock."""
    with psycopg.connect(server_dsn(data_dir), autocommit=True) as conn:
        row = conn.execute(
            "SELECT i.id FROM import.imports i WHERE i.state = 'running'"
            " AND EXISTS (SELECT 1 FROM pg_stat_activity a"
            "   WHERE a.wait_event_type = 'Lock')"
        ).fetchone()
    return None if row is None else int(row[0])


def test_the_console_starts_while_the_database_is_down(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """`gemma-tui console` on a server that is not there yet: a banner, not
    an exit; once the server is reachable, the imports show."""
    later, socket, link = moved(dsn, tmp_path)
    add_pending(conn)
    command = gemma_command("--dsn", later, "console")
    terminal = Terminal(command)
    try:
        wait_until(lambda: "Database unreachable" in terminal.screen(), timeout=30)
        link.symlink_to(socket)
        wait_until(lambda: "Review (1)" in terminal.screen(), timeout=30)
        assert "Database unreachable" not in terminal.screen()
        terminal.keys("q")
        wait_until(lambda: not terminal.alive(), timeout=15)
    finally:
        terminal.close()


def add_pending(conn: Connection) -> None:
    conn.execute(
        "INSERT INTO import.imports (state, kind, username, data)"
        " VALUES ('pending', 'gm', 'alice', '{}')"
    )
