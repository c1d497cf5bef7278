"""`gemma-tui bench`: a small run, for the figures' shape, not their values."""

from __future__ import annotations

import json
import math

from psycopg.conninfo import make_conninfo

from gemma_tui.bench.figures import Spread
from gemma_tui.db import connect
from tests.cli import gemma


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
