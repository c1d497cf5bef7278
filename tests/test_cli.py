"""The command line, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gemma_tui.db import Connection
from tests.cli import gemma
from tests.conftest import DATA
from tests.running import running, settled, wait_until

EXPORT = DATA / "gauges" / "viadonau_asc" / "20220516062300.asc"


def test_enqueue_list_show_and_logs(dsn: str, conn: Connection) -> None:
    """An import queued from the command line is listed, shown and logged."""
    queued = gemma("enqueue", "gm", "--file", str(EXPORT), "--user", "alice", dsn=dsn)
    assert queued.returncode == 0, queued.stderr
    import_id = int(queued.stdout)
    from gemma_tui.kinds import load_kinds

    with running(dsn, load_kinds().registry):
        wait_until(lambda: settled(conn, import_id))
    listed = json.loads(gemma("list", "--json", dsn=dsn).stdout)
    assert [row["id"] for row in listed] == [import_id]
    keys = {"id", "kind", "state", "username", "signer", "enqueued", "due", "changed"}
    assert keys <= set(listed[0])
    assert listed[0]["state"] == "pending"
    assert listed[0]["username"] == "alice"
    shown = json.loads(gemma("show", str(import_id), "--json", dsn=dsn).stdout)
    assert shown["summary"]["values"] == 588
    text = gemma("show", str(import_id), dsn=dsn).stdout
    assert "       user: alice\n" in text
    assert " send_email: no\n" in text and "     signer: none\n" in text
    assert not {"None", "True", "False"} & set(text.split())
    logs = gemma("logs", str(import_id), dsn=dsn).stdout
    assert "staged 588 of 588 values" in logs


def test_decide_waits_for_the_review(dsn: str, conn: Connection) -> None:
    """`decide --wait` returns once a runner has carried the decision out."""
    import_id = int(gemma("enqueue", "gm", "--file", str(EXPORT), dsn=dsn).stdout)
    from gemma_tui.kinds import load_kinds

    with running(dsn, load_kinds().registry):
        wait_until(lambda: settled(conn, import_id))
        decided = gemma("decide", str(import_id), "accept", "--wait", dsn=dsn)
    assert decided.returncode == 0, decided.stderr
    assert decided.stdout.splitlines()[-1] == f"#{import_id} accepted"
    again = gemma("decide", str(import_id), "decline", dsn=dsn)
    assert again.returncode == 2
    assert again.stderr == f"gemma-tui: #{import_id} is accepted, not pending\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("enqueue", "nope", "--data", "{}"), "unknown kind 'nope'"),
        (("enqueue", "gm", "--data", "{oops"), "job data is not JSON"),
        (("enqueue", "gm", "--file", "/nonexistent.asc"), "no such file"),
        (("enqueue", "gm", "--data", "{}", "--due", "2026-01-01T10:00"), "time zone"),
        (("enqueue", "gm", "--file", str(EXPORT), "--user", "nobody_here"), "nobody_"),
        (("enqueue", "gm", "--data", "[1, 2]"), "job data for 'gm'"),
        (("enqueue", "gm", "--file", "/"), "is a directory"),
        (("enqueue", "gm", "--file", str(EXPORT), "--tries", "-1"), "0 to 200"),
        (("enqueue", "gm", "--file", str(EXPORT), "--tries", "999"), "0 to 200"),
        (("enqueue", "gm", "--file", str(EXPORT), "--retry-wait", "nan"), "366 days"),
        (("enqueue", "gm", "--file", str(EXPORT), "--retry-wait", "1e300"), "366 days"),
        (
            ("enqueue", "gm", "--file", str(EXPORT), "--due", "+99999999999h"),
            "10 years",
        ),
        (
            ("enqueue", "gm", "--file", str(EXPORT), "--due", "0001-01-01T00:00+01:00"),
            "between 1970 and 9999",
        ),
        (("list", "--limit", "-1"), "must be 1 to"),
        (("list", "--limit", "99999999999999999999"), "must be 1 to"),
        (("runner", "--max-running", "0"), "must be 1 to"),
        (("email", "set", "alice", "not an address"), "not a mail address"),
        (("email", "unset", "nobody_here"), "no address is set"),
        (("show", "4711"), "cannot find import #4711"),
        (("logs", "4711"), "cannot find import #4711"),
        (("decide", "4711", "accept"), "cannot find import #4711"),
        (("list", "--state", "lost"), "unknown state 'lost'"),
        (("show", "x"), "invalid int value"),
    ],
)
def test_a_mistake_is_one_line_and_status_2(
    dsn: str, conn: Connection, args: tuple[str, ...], message: str
) -> None:
    """Every mistake a user can make: one line on stderr, status 2, no row."""
    result = gemma(*args, dsn=dsn)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert conn.execute("SELECT count(*) FROM import.imports").fetchone() == (0,)


@pytest.mark.parametrize(
    "dsn",
    [
        "host=/nonexistent-gemma-socket-dir",
        "postgresql://someone:hunter2@127.0.0.1:1/db",
        "this is = not a dsn",
    ],
)
def test_an_unusable_server_is_one_line(dsn: str) -> None:
    """A bad DSN or a server that is down: one line, status 2, no password."""
    result = gemma("list", dsn=dsn)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_the_headless_runner_runs_and_stops_on_a_signal(
    dsn: str, conn: Connection, signal_number: int
) -> None:
    """`gemma-tui runner` runs imports and exits 0 soon after SIGTERM/SIGINT."""
    import_id = int(gemma("enqueue", "gm", "--file", str(EXPORT), dsn=dsn).stdout)
    runner = subprocess.Popen(
        [sys.executable, "-m", "gemma_tui", "--dsn", dsn, "runner"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: settled(conn, import_id))
        runner.send_signal(signal_number)
        assert runner.wait(timeout=15) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    assert runner.stderr is not None
    log = runner.stderr.read()
    assert f" pending import={import_id} kind=gm" in log
    assert "Traceback" not in log


def test_further_lines_of_a_log_message_cannot_pass_for_log_lines(
    dsn: str, conn: Connection
) -> None:
    row = conn.execute(
        "INSERT INTO import.imports (state, kind, username) VALUES"
        " ('failed', 'gm', 'alice') RETURNING id"
    ).fetchone()
    assert row is not None
    fake = "2026-12-04 17:00:00+0000 info  User 'rita' accepted import 1."
    conn.execute(
        "INSERT INTO import.import_logs (import_id, kind, msg)"
        " VALUES (%s, 'error', %s)",
        (row[0], f"bad name\n{fake}"),
    )
    shown = gemma("logs", str(row[0]), dsn=dsn).stdout.splitlines()
    assert shown[0].endswith("error bad name")
    assert shown[1] == f"{'':>30}| {fake}"


def test_a_reader_that_stops_early_gets_no_traceback(
    dsn: str, conn: Connection
) -> None:
    """`gemma-tui list | head -1`: the reader closes the pipe while rows
    are still being written; the command stops quietly (status 141)."""
    conn.execute(
        "INSERT INTO import.imports (kind, username, data)"
        " SELECT 'gm', 'alice', '{}' FROM generate_series(1, 3000)"
    )
    listing = subprocess.Popen(
        [sys.executable, "-m", "gemma_tui", "--dsn", dsn, "list", "--limit", "3000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert listing.stdout is not None and listing.stderr is not None
    assert listing.stdout.readline()
    listing.stdout.close()
    said = listing.stderr.read().decode()
    assert listing.wait(timeout=60) == 141, said
    assert said == ""


def test_a_data_directory_that_is_no_place_for_a_database_is_refused(
    tmp_path: Path,
) -> None:
    """A file, or a directory of other files, named as the embedded
    server's data directory: one line, status 2, and the file and the
    directory are left as they were (owner and mode too)."""
    afile = tmp_path / "notes.txt"
    afile.write_text("mine\n")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "other").write_text("x")
    for place, said in ((afile, "is not a directory"), (busy, "holds other files")):
        before = place.stat()
        ran = gemma("--data-dir", str(place), "list")
        assert ran.returncode == 2, ran.stderr
        assert ran.stderr.count("\n") == 1 and said in ran.stderr, ran.stderr
        after = place.stat()
        assert (after.st_uid, after.st_mode) == (before.st_uid, before.st_mode)
    assert afile.read_text() == "mine\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server over")
def test_as_root_a_data_directory_the_server_cannot_reach_is_refused(
    tmp_path: Path,
) -> None:
    """Run as root, the server runs as another user: a data directory below
    a private one is refused, and the private one stays private."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    ran = gemma("--data-dir", str(private / "pgdata"), "list")
    assert ran.returncode == 2, ran.stderr
    assert f"may not enter {private}" in ran.stderr
    assert private.stat().st_mode & 0o777 == 0o700
    assert not (private / "pgdata").exists()


def test_a_connection_string_that_cannot_be_read_says_how_to_write_one() -> None:
    ran = gemma("--dsn", "nonsense", "list")
    assert ran.returncode == 2
    assert "key=value pairs" in ran.stderr and "postgresql:// URL" in ran.stderr
    assert ran.stderr.count("\n") == 1


def test_a_data_directory_the_system_cannot_name_is_one_line() -> None:
    """A path the file system refuses to look up (a name over 255 bytes)."""
    ran = gemma("--data-dir", f"/tmp/{'a' * 300}/pgdata", "list")
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.count("\n") == 1, ran.stderr
    assert "File name too long" in ran.stderr


def test_the_console_and_the_demo_without_a_terminal_say_so(
    dsn: str, tmp_path: Path
) -> None:
    """With its output going to a pipe, the console refuses in one line
    rather than drawing into it; the demo refuses before it starts a
    server."""
    console = gemma("console", dsn=dsn)
    data_dir = tmp_path / "pgdata"
    demo = gemma("--data-dir", str(data_dir), "demo")
    for result in (console, demo):
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1, result.stderr
        assert "needs a terminal" in result.stderr
        assert "\x1b" not in result.stdout + result.stderr
    assert not data_dir.exists()
