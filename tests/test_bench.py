"""`gemma-tui bench`: a small run, for the figures' shape, not their values."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg.conninfo import make_conninfo

from gemma_tui.bench.figures import Spread
from gemma_tui.db import connect
from tests.cli import gemma
from tests.engine import wait_until


def test_the_bench_prints_its_figures_and_leaves_no_database(server_dsn: str) -> None:
    """The bench measures runners and the bare SQL in a database of its own,
    reports every figure for as many imports as asked, and drops the
    database afterwards."""
    ran = gemma(
        "bench",
        "-n",
        "120",
        "-r",
        "2",
        "-c",
        "2",
        "--bare-clients",
        "2",
        "--samples",
        "8",
        "--json",
        dsn=server_dsn,
    )
    assert ran.returncode == 0, ran.stderr
    figures = json.loads(ran.stdout)
    assert (figures["imports"], figures["runners"], figures["concurrency"]) == (
        120,
        2,
        2,
    )
    assert figures["runner_rate"] > 0 and figures["bare_rate"] > 0
    assert math.isclose(figures["ratio"], figures["runner_rate"] / figures["bare_rate"])
    # One drained import in 20 reads the clock, the first among them.
    assert figures["claim_to_start"]["samples"] == 6
    assert figures["idle_enqueue_to_start"]["samples"] == 8
    spread = figures["idle_enqueue_to_start"]
    assert 0 < spread["p50"] <= spread["p99"]
    assert [len(runner) for runner in figures["runner_rss_mb"]] == [3, 3]
    with connect(server_dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'gemma_tui_bench%'"
        ).fetchone()
    assert left == (0,)


def test_bench_arguments_are_checked() -> None:
    """A count below one is refused with one line, before anything runs."""
    ran = gemma("bench", "-n", "0")
    assert ran.returncode == 2
    assert ran.stderr.strip() == (
        "gemma-tui: argument -n/--imports: must be at least 1: 0 (see --help)"
    )


def test_a_role_that_may_not_create_databases_is_told_so(server_dsn: str) -> None:
    """The bench needs a database of its own; without the right, one line."""
    with connect(server_dsn) as conn:
        conn.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles"
            " WHERE rolname = 'bench_nobody') THEN CREATE ROLE bench_nobody LOGIN;"
            " END IF; END $$;"
        )
    ran = gemma("bench", "-n", "1", dsn=make_conninfo(server_dsn, user="bench_nobody"))
    assert ran.returncode == 2
    assert ran.stderr.strip().splitlines()[-1] == (
        "gemma-tui: permission denied to create database"
    )


def test_percentiles_are_nearest_rank() -> None:
    """p50 and p99 of 1 to 100 ms are 50 and 99 ms; none of nothing."""
    spread = Spread.of([n / 1000 for n in range(100, 0, -1)])
    assert (spread.p50, spread.p99, spread.samples) == (50.0, 99.0, 100)
    assert Spread.of([]).samples == 0


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(after_name[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_bench_leaves_no_runner_behind(
    server_dsn: str, how: signal.Signals
) -> None:
    """Stopped while its runners wait for imports, the bench takes them
    along: SIGTERM ends it as ctrl+c does (database dropped too), and even
    a bench killed outright leaves no runner claiming for ever."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GEMMA")}
    command = [sys.executable, "-m", "gemma_tui", "--dsn", server_dsn, "bench"]
    options = ["-n", "20", "-r", "1", "-c", "2", "--bare-clients", "1"]
    bench = subprocess.Popen(
        [*command, *options, "--samples", "100000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert bench.stderr is not None
        for line in bench.stderr:
            if line.startswith("idle runners"):
                break
        helpers = children_of(bench.pid)
        assert helpers
        bench.send_signal(how)
        bench.wait(timeout=30)
        wait_until(lambda: not any(alive(pid) for pid in helpers), timeout=20)
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
    if how == signal.SIGTERM:
        assert bench.returncode == 128 + signal.SIGTERM
        with connect(server_dsn) as conn:
            left = conn.execute(
                "SELECT count(*) FROM pg_database WHERE datname = %s",
                [f"gemma_tui_bench_{bench.pid}"],
            ).fetchone()
        assert left == (0,)
