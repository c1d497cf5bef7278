"""Service mode: the headless runner's event log, its drain on SIGTERM,
its exit when the database is gone, and `gemma-tui status` for a check.

Every runner here is a process of its own, started as a service manager
would start it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from psycopg import sql

from gemma_tui.db import Connection, connect
from gemma_tui.kinds import load_kinds
from gemma_tui.queue import imports
from tests import toy
from tests.cli import gemma
from tests.conftest import DATA
from tests.running import settled, state_of, wait_until

EXPORT = DATA / "gauges" / "viadonau_asc" / "20220516062300.asc"
ROOT = Path(__file__).resolve().parents[1]
NOWHERE = "host=/nonexistent-gemma-socket-dir dbname=nothing"


@contextmanager
def service(
    dsn: str, *options: str, toys: bool = False
) -> Iterator[subprocess.Popen[str]]:
    """`gemma-tui runner` (on the toy kinds, given `toys`) with its stderr
    piped; killed if the block leaves it running."""
    module = "tests.toycli" if toys else "gemma_tui"
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--dsn", dsn, "runner", *options],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()


def stop(process: subprocess.Popen[str]) -> list[str]:
    """SIGTERM, then the lines it logged; it must have exited 0."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    return process.stderr.read().splitlines()


def live(dsn: str) -> bool:
    return gemma("status", "--dsn", dsn).returncode == 0


def decide(conn: Connection, import_id: int, accept: bool) -> None:
    imports.decide(conn, load_kinds().registry, import_id, accept, reviewer="rita")


def test_the_text_log_has_one_line_per_event(dsn: str, conn: Connection) -> None:
    """An import that ends pending and is accepted, one that fails: each
    step is a line with its action word and the import's id."""
    good = int(gemma("enqueue", "gm", "--file", str(EXPORT), "--dsn", dsn).stdout)
    with service(dsn) as runner:
        wait_until(lambda: settled(conn, good))
        decide(conn, good, accept=True)
        wait_until(lambda: state_of(conn, good) == "accepted")
        missing = json.dumps({"file": "/nonexistent-export.asc"})
        bad = imports.enqueue(conn, load_kinds().registry, "gm", missing)
        wait_until(lambda: settled(conn, bad))
        lines = stop(runner)

    actions = [line.split(" ", 2)[1:] for line in lines]
    assert actions[0] == ["started"]
    claimed = [a[1] for a in actions if a[0] == "claimed"]
    assert claimed[0].startswith(f"import={good} kind=gm user=")
    assert ["pending", f"import={good} kind=gm"] in actions
    review = [a for a in actions if a[0] == "accepted"]
    assert len(review) == 1 and review[0][1].endswith("kind=gm#review")
    assert ["failed", f"import={bad} kind=gm"] in actions
    assert actions[-2:] == [["stopping", "signal=SIGTERM"], ["stopped"]]
    assert "Traceback" not in "\n".join(lines)


def test_the_json_log_is_one_object_per_line(dsn: str, conn: Connection) -> None:
    import_id = int(gemma("enqueue", "gm", "--file", str(EXPORT), "--dsn", dsn).stdout)
    with service(dsn, "--log-format", "json") as runner:
        wait_until(lambda: settled(conn, import_id))
        decide(conn, import_id, accept=False)
        wait_until(lambda: state_of(conn, import_id) == "declined")
        lines = stop(runner)

    entries = [json.loads(line) for line in lines]
    about = [e for e in entries if e.get("import") == import_id]
    assert [e["action"] for e in about] == ["claimed", "pending"]
    assert about[0]["kind"] == "gm" and about[0]["level"] == "info"
    assert all(e["logger"] == "gemma_tui.service" for e in about)
    declined = [e for e in entries if e.get("action") == "declined"]
    assert len(declined) == 1 and declined[0]["kind"] == "gm#review"
    assert entries[0]["action"] == "started"
    assert entries[-1]["action"] == "stopped"
    assert all(e["time"].endswith("Z") for e in entries)


def hold(conn: Connection, marker: Path) -> int:
    """A toy import that runs while `marker` exists (30 s at most)."""
    marker.touch()
    data = json.dumps({"action": "hold", "while": str(marker)})
    return imports.enqueue(conn, toy.registry(), "toy", data, user="alice")


def test_sigterm_drains_within_the_grace_and_requeues_the_rest(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    import_id = hold(conn, tmp_path / "hold")
    with service(dsn, "--grace", "2", toys=True) as runner:
        wait_until(lambda: state_of(conn, import_id) == "running")
        began = time.monotonic()
        runner.send_signal(signal.SIGTERM)
        code = runner.wait(timeout=30)
        took = time.monotonic() - began
        assert runner.stderr is not None
        lines = runner.stderr.read().splitlines()
    print(f"\nSIGTERM to exit with an import still running, grace 2 s: {took:.2f} s")

    assert code == 0
    # It waited for the import as long as the grace allowed, and no longer:
    # the import itself would have held on for 30 s.
    assert 2.0 <= took < 20.0
    assert state_of(conn, import_id) == "queued"
    assert any(
        line.split(" ")[1:3] == ["requeued", f"import={import_id}"] for line in lines
    )


def test_an_import_that_ends_within_the_grace_is_finished(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    marker = tmp_path / "hold"
    import_id = hold(conn, marker)
    with service(dsn, "--grace", "20", toys=True) as runner:
        wait_until(lambda: state_of(conn, import_id) == "running")
        runner.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert runner.poll() is None  # still draining
        marker.unlink()
        assert runner.wait(timeout=30) == 0
        assert runner.stderr is not None
        lines = runner.stderr.read().splitlines()

    assert state_of(conn, import_id) == "pending"
    assert any(f"pending import={import_id} kind=toy" in line for line in lines)
    assert not any(" requeued " in line for line in lines)


def test_a_database_gone_too_long_ends_the_runner_with_one_line(
    dsn: str, server_dsn: str, tmp_path: Path
) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[runner]\ngive_up = 1\n", encoding="utf-8")
    with service(dsn, "--config", str(path)) as runner:
        wait_until(lambda: live(dsn))
        name = connect(dsn).info.dbname
        with connect(server_dsn) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        code = runner.wait(timeout=60)
        assert runner.stderr is not None
        lines = runner.stderr.read().splitlines()

    assert code == 2
    assert lines[-1].startswith("gemma-tui: gave up after 1 s without the database: ")
    assert "Traceback" not in "\n".join(lines)


def test_status_says_whether_a_live_runner_serves_the_database(
    dsn: str, conn: Connection
) -> None:
    idle = gemma("status", "--dsn", dsn)
    assert idle.returncode == 1
    assert idle.stdout.startswith("not live: no live runner on ")

    with service(dsn) as runner:
        wait_until(lambda: live(dsn))
        shown = gemma("status", "--dsn", dsn)
        assert shown.stdout.startswith("live: 1 runner, 0 imports running, on ")
        record = json.loads(gemma("status", "--json", "--dsn", dsn).stdout)
        assert record["status"] == "live"
        assert [r["live"] for r in record["runners"]] == [True]
        stop(runner)

    gone = gemma("status", "--json", "--dsn", dsn)
    assert gone.returncode == 1
    record = json.loads(gone.stdout)
    assert (record["status"], record["runners"]) == ("not live", [])


@pytest.mark.parametrize("form", [(), ("--json",)])
def test_status_of_a_database_that_does_not_answer_is_2(
    form: tuple[str, ...],
) -> None:
    result = gemma("status", *form, "--dsn", NOWHERE)
    assert result.returncode == 2
    assert len(result.stdout.splitlines()) == 1
    assert "nonexistent-gemma-socket-dir" in result.stdout
    if form:
        assert json.loads(result.stdout)["status"] == "unreachable"
    else:
        assert result.stdout.startswith("unreachable: cannot reach the database")
