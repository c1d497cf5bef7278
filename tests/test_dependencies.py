"""Dependency locks between runners (contract §6 and §9): exclusive and
shared resources hold across runners as they do inside one, a kind whose
resources are busy elsewhere holds back no other kind, and the locks go
with the connection that holds them."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime

from gemma_tui.db import Connection
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.locks import resource_key
from tests import toy
from tests.engine import (
    FAST,
    column,
    gates,
    in_state,
    running,
    settled,
    state_of,
    submit,
    wait_until,
)
from tests.running import toy_runners

TOYS_ONLY = Registry([toy.ToyKind()])
READERS_ONLY = Registry([toy.ReaderKind()])
ONE_AT_A_TIME = replace(FAST, max_running=1)


def blocking(gate: str) -> dict[str, str]:
    return {"action": "block", "gate": gate}


def lock_holders(conn: Connection, resource: str) -> list[tuple[int, str]]:
    """Server processes holding the resource's advisory lock, with the mode."""
    rows = conn.execute(
        "SELECT l.pid, l.mode FROM pg_locks l JOIN pg_database d"
        " ON d.oid = l.database AND d.datname = current_database()"
        " WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted"
        " AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
        (resource_key(resource),),
    ).fetchall()
    return sorted((int(pid), str(mode)) for pid, mode in rows)


def test_resource_keys_are_stable_64_bit_numbers() -> None:
    """A resource's key is the same in every process: a fixed function of its
    name, and different names give different keys."""
    assert resource_key("gauges") == resource_key("gauges")
    assert resource_key("gauges") != resource_key("gauges ")
    assert -(2**63) <= resource_key("toys") < 2**63
    assert resource_key("toys") == -976175199401118276


def test_an_exclusive_resource_held_by_one_runner_keeps_another_waiting(
    dsn: str, conn: Connection
) -> None:
    """While one runner holds a resource exclusively, another runner does not
    claim an import that needs it, and claims younger imports of other kinds."""
    with running(dsn, TOYS_ONLY), gates("one", "two") as gate:
        one = submit(conn, blocking("one"))
        wait_until(lambda: in_state(conn, "running", one))
        with running(dsn):
            two = submit(conn, blocking("two"))
            probe = submit(conn, {"action": "ok"}, "other")
            assert wait_until(lambda: settled(conn, probe)) == {probe: "pending"}
            assert state_of(conn, two) == "queued"
            gate["one"].set()
            wait_until(lambda: in_state(conn, "running", two))
            assert state_of(conn, one) == "pending"
            gate["two"].set()
            wait_until(lambda: settled(conn, two))


def test_a_shared_resource_held_by_one_runner_keeps_an_exclusive_taker_waiting(
    dsn: str, conn: Connection
) -> None:
    """A resource held shared by one runner's import: another runner's import
    that needs it shared starts, one that needs it exclusively waits."""
    with running(dsn, READERS_ONLY, ONE_AT_A_TIME), gates("r1", "r2") as gate:
        r1 = submit(conn, blocking("r1"), "reader")
        wait_until(lambda: in_state(conn, "running", r1))
        with running(dsn) as second:
            taker = submit(conn, {"action": "ok"})
            r2 = submit(conn, blocking("r2"), "reader")
            wait_until(lambda: in_state(conn, "running", r2))
            assert second.started() == [r2]
            assert [mode for _, mode in lock_holders(conn, "toys")] == [
                "ShareLock",
                "ShareLock",
            ]
            assert state_of(conn, taker) == "queued"
            gate["r1"].set()
            gate["r2"].set()
            assert wait_until(lambda: settled(conn, taker)) == {taker: "pending"}


def test_an_exclusive_holder_elsewhere_keeps_a_shared_import_waiting(
    dsn: str, conn: Connection
) -> None:
    """A resource held exclusively by one runner: another runner's import that
    needs it shared waits until it is free, and younger imports go first."""
    readers_and_others = Registry([toy.ReaderKind(), toy.OtherKind()])
    with running(dsn, TOYS_ONLY), gates("toy") as gate:
        holder = submit(conn, blocking("toy"))
        wait_until(lambda: in_state(conn, "running", holder))
        with running(dsn, readers_and_others):
            sharer = submit(conn, {"action": "ok"}, "reader")
            probe = submit(conn, {"action": "ok"}, "other")
            wait_until(lambda: settled(conn, probe))
            assert [mode for _, mode in lock_holders(conn, "toys")] == ["ExclusiveLock"]
            assert state_of(conn, sharer) == "queued"
            gate["toy"].set()
            assert wait_until(lambda: settled(conn, sharer)) == {sharer: "pending"}


def test_the_locks_of_an_import_go_when_it_ends(dsn: str, conn: Connection) -> None:
    """When an import ends, however it ends, its runner releases the
    resources' database locks, and the runner's own table is empty."""
    ids = [
        submit(conn, {"action": "ok"}),
        submit(conn, {"action": "fail"}),
        submit(conn, {"action": "ok"}, "reader"),
    ]
    with running(dsn) as handle:
        wait_until(lambda: settled(conn, *ids))
        wait_until(lambda: not lock_holders(conn, "toys"))
        assert lock_holders(conn, "gauges") == []
        assert handle.runner.locks.snapshot() == []


def test_a_runner_takes_its_locks_again_after_losing_its_connection(
    dsn: str, conn: Connection
) -> None:
    """A runner whose control connection broke takes the locks of the imports
    it still runs again, so other runners keep waiting for them."""
    with running(dsn, TOYS_ONLY), gates("one", "two") as gate:
        one = submit(conn, blocking("one"))
        wait_until(lambda: in_state(conn, "running", one))
        [(backend, _)] = lock_holders(conn, "toys")
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
        [(_, mode)] = wait_until(
            lambda: [h for h in lock_holders(conn, "toys") if h[0] != backend]
        )
        assert mode == "ExclusiveLock"
        with running(dsn):
            two = submit(conn, blocking("two"))
            probe = submit(conn, {"action": "ok"}, "other")
            wait_until(lambda: settled(conn, probe))
            assert state_of(conn, two) == "queued"
            gate["one"].set()
            wait_until(lambda: in_state(conn, "running", two))
            gate["two"].set()
            wait_until(lambda: settled(conn, one, two))


def test_a_claim_failing_as_it_releases_locks_leaves_none_behind(
    dsn: str, conn: Connection
) -> None:
    """The locks of an ended import go with the next claim. When that claim
    fails, the runner drops its connection and takes the locks of what it
    still runs again: the ended import's locks are free, the running
    one's held."""
    with running(dsn), gates("toy", "other") as gate:
        held = submit(conn, blocking("toy"))
        ending = submit(conn, blocking("other"), "other")
        wait_until(lambda: in_state(conn, "running", held, ending))
        [(first, _)] = lock_holders(conn, "toys")
        conn.execute("ALTER FUNCTION import.claim_batch RENAME TO claim_away")
        gate["other"].set()
        wait_until(lambda: settled(conn, ending))
        [(backend, mode)] = wait_until(
            lambda: [h for h in lock_holders(conn, "toys") if h[0] != first]
        )
        assert mode == "ExclusiveLock"
        assert lock_holders(conn, "others") == []
        conn.execute("ALTER FUNCTION import.claim_away RENAME TO claim_batch")
        later = submit(conn, {"action": "ok"}, "other")
        wait_until(lambda: settled(conn, later))
        assert lock_holders(conn, "toys") == [(backend, "ExclusiveLock")]
        gate["toy"].set()
        wait_until(lambda: settled(conn, held))


# Several runner processes, many imports with overlapping resources.

SPAN_KINDS = {e.name: e.dependencies for e in toy.span_registry().base_kinds()}


def test_runner_processes_keep_every_dependency_rule(
    dsn: str, conn: Connection
) -> None:
    """Three runner processes, 2,000 imports over overlapping resources: every
    import runs once and ends; no resource is ever held exclusively by two at
    once, nor shared while an exclusive holder runs (as the jobs recorded)."""
    chooser = random.Random(6)
    kinds = [chooser.choice(sorted(SPAN_KINDS)) for _ in range(2000)]
    pauses = [chooser.choice([0.0, 0.0, 0.001, 0.003]) for _ in kinds]
    ids = enqueue_spans(conn, kinds, pauses)
    with toy_runners(dsn, 3, max_running=4, kinds="spans"):
        wait_until(lambda: unsettled(conn) == 0, timeout=240)
    states = conn.execute(
        "SELECT state::text, count(*) FROM import.imports GROUP BY state"
    ).fetchall()
    assert states == [("accepted", len(ids))]
    spans = conn.execute(
        "SELECT import_id, kind, started, ended FROM toy.spans"
    ).fetchall()
    runs = Counter(int(row[0]) for row in spans)
    assert sorted(runs) == sorted(ids)
    assert set(runs.values()) == {1}
    assert overlaps([(str(k), s, e) for _, k, s, e in spans]) == []
    assert column(conn, "SELECT count(DISTINCT runner) FROM import.imports") == 3
    assert column(conn, "SELECT count(*) FROM import.import_logs") == 0


def enqueue_spans(conn: Connection, kinds: list[str], pauses: list[float]) -> list[int]:
    with conn.transaction():
        conn.execute("SET LOCAL ROLE alice")
        rows = conn.execute(
            "INSERT INTO import.imports (kind, data)"
            " SELECT k, json_build_object('pause', p)::text"
            " FROM unnest(%s::text[], %s::float8[]) AS u(k, p) RETURNING id",
            (kinds, pauses),
        ).fetchall()
    return [int(row[0]) for row in rows]


def unsettled(conn: Connection) -> int:
    query = "SELECT count(*) FROM import.imports WHERE state IN ('queued', 'running')"
    return int(column(conn, query))


def overlaps(spans: list[tuple[str, datetime, datetime]]) -> list[str]:
    """Every time a resource was held against the rules, as a sentence.

    Per resource, in order of start: an exclusive holder must start after
    every earlier holder ended; a sharer, after every earlier exclusive one.
    """
    by_resource: dict[str, list[tuple[datetime, datetime, bool]]] = defaultdict(list)
    for kind, started, ended in spans:
        deps = SPAN_KINDS[kind]
        for resource in deps.exclusive:
            by_resource[resource].append((started, ended, True))
        for resource in deps.shared:
            by_resource[resource].append((started, ended, False))
    found = []
    for resource, held in by_resource.items():
        any_end = exclusive_end = datetime.min.replace(tzinfo=held[0][0].tzinfo)
        for started, ended, exclusive in sorted(held):
            if started < (any_end if exclusive else exclusive_end):
                found.append(f"{resource} held against the rules at {started}")
            any_end = max(any_end, ended)
            if exclusive:
                exclusive_end = max(exclusive_end, ended)
    return found


def test_the_overlap_check_finds_overlaps() -> None:
    """The check above would notice two exclusive holders, or a sharer within
    an exclusive hold, and passes holds that only share or follow each other."""
    t = [datetime.fromisoformat(f"2024-01-01T00:00:0{s}+00:00") for s in range(6)]
    assert overlaps([("span_a", t[0], t[2]), ("span_a", t[1], t[3])]) != []
    assert overlaps([("span_a", t[0], t[2]), ("span_c", t[1], t[3])]) != []
    assert overlaps([("span_c", t[0], t[4]), ("span_a", t[1], t[2])]) != []
    assert overlaps([("span_c", t[0], t[2]), ("span_e", t[1], t[3])]) == []
    assert overlaps([("span_a", t[0], t[1]), ("span_a", t[1], t[2])]) == []
