"""The built-in kinds `gm` and `st` on the real files, through a real runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gemma_tui.db import Connection
from gemma_tui.errors import BadJobData
from gemma_tui.kinds import load_kinds
from gemma_tui.kinds.asc import parse_asc
from gemma_tui.kinds.files import all_known
from gemma_tui.queue import imports
from tests.conftest import DATA
from tests.running import running, settled, state_of, wait_until

EXPORTS = sorted((DATA / "gauges" / "viadonau_asc").glob("*.asc"))
MALFORMED = DATA / "gauges" / "malformed"
STATIONS = DATA / "stations" / "pegelonline_stations_2014-04-24.json"
BAD_STATIONS = DATA / "stations" / "pegelonline_stations_bad.json"
REGISTRY = load_kinds().registry


def submit(conn: Connection, kind: str, path: Path) -> int:
    data = json.dumps({"file": str(path)})
    return imports.enqueue(conn, REGISTRY, kind, data, user="alice")


def run_all(dsn: str, conn: Connection, *ids: int) -> dict[int, str]:
    with running(dsn, REGISTRY):
        return wait_until(lambda: settled(conn, *ids))


def decide(dsn: str, conn: Connection, import_id: int, accept: bool) -> str:
    review = imports.decide(conn, REGISTRY, import_id, accept, reviewer="rita")
    with running(dsn, REGISTRY):
        return wait_until(lambda: imports.review_outcome(conn, import_id, review))


def staged_rows(conn: Connection, import_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM import.track_imports WHERE import_id = %s",
        (import_id,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def measurement_count(conn: Connection, published: bool) -> int:
    row = conn.execute(
        "SELECT count(*) FROM waterway.gauge_measurements WHERE staging_done = %s",
        (published,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def log_of(conn: Connection, import_id: int) -> list[tuple[str, str]]:
    return [(line.level, line.message) for line in imports.logs_of(conn, import_id)]


def test_an_export_is_staged_with_its_summary(dsn: str, conn: Connection) -> None:
    """A valid export ends pending; every value is staged and tracked."""
    first = submit(conn, "gm", EXPORTS[0])
    assert run_all(dsn, conn, first) == {first: "pending"}
    row, _ = imports.get_import(conn, first)
    assert row.summary["values"] == 588
    assert row.summary["gaps"] == 21
    assert row.summary["staged"] == 588
    assert row.summary["gauges"] == 3
    assert staged_rows(conn, first) == 588
    assert measurement_count(conn, published=False) == 588


def test_importing_an_export_twice_is_unchanged(dsn: str, conn: Connection) -> None:
    """The same export a second time stages nothing and ends unchanged."""
    first = submit(conn, "gm", EXPORTS[0])
    again = submit(conn, "gm", EXPORTS[0])
    assert run_all(dsn, conn, first, again) == {first: "pending", again: "unchanged"}
    assert ("info", "unchanged: " + all_known(588, "values")) in log_of(conn, again)
    assert staged_rows(conn, again) == 0


def test_accepting_publishes_and_a_repeat_is_unchanged(
    dsn: str, conn: Connection
) -> None:
    """Accepted values are published; importing them again changes nothing."""
    first = submit(conn, "gm", EXPORTS[0])
    run_all(dsn, conn, first)
    assert decide(dsn, conn, first, accept=True) == "accepted"
    assert measurement_count(conn, published=True) == 588
    assert measurement_count(conn, published=False) == 0
    again = submit(conn, "gm", EXPORTS[0])
    assert run_all(dsn, conn, again) == {again: "unchanged"}


def test_later_exports_fill_earlier_gaps(dsn: str, conn: Connection) -> None:
    """Exports accepted in order leave no published gap that a later one filled."""
    for path in EXPORTS[:11]:
        import_id = submit(conn, "gm", path)
        assert run_all(dsn, conn, import_id)[import_id] in ("pending", "unchanged")
        if state_of(conn, import_id) == "pending":
            assert decide(dsn, conn, import_id, accept=True) == "accepted"
    filled = [
        v for v in parse_asc(EXPORTS[10].read_bytes()).values if v.value is not None
    ]
    published = dict(
        ((gauge, parameter, measured), value)
        for gauge, parameter, measured, value in conn.execute(
            "SELECT gauge, parameter, measured, value"
            " FROM waterway.gauge_measurements WHERE staging_done"
        ).fetchall()
    )
    assert all(published[(v.gauge, v.parameter, v.measured)] == v.value for v in filled)
    row = conn.execute(
        "SELECT count(*) FROM waterway.gauge_measurements"
        " WHERE staging_done AND value IS NULL"
    ).fetchone()
    assert row == (3,)  # the gaps export 11 itself still has


def test_declining_deletes_exactly_its_staged_rows(dsn: str, conn: Connection) -> None:
    """Declining removes the import's staged rows and no one else's."""
    first = submit(conn, "gm", EXPORTS[0])
    second = submit(conn, "gm", EXPORTS[1])
    run_all(dsn, conn, first, second)
    before_first = staged_rows(conn, first)
    assert decide(dsn, conn, second, accept=False) == "declined"
    assert staged_rows(conn, first) == before_first
    assert measurement_count(conn, published=False) == before_first
    assert staged_rows(conn, second) == 0


MALFORMED_FATAL = {
    "asc_unknown_unit.asc": (11, "unit 'inch'"),
    "asc_missing_ort.asc": (None, "Ort"),
    "asc_missing_begin.asc": (None, "BEGIN"),
    "asc_nul_byte.asc": (None, "NUL"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_FATAL))
def test_a_fatal_fault_fails_and_stages_nothing(
    dsn: str, conn: Connection, name: str
) -> None:
    """A fault that leaves the meaning unclear fails; the log names file and line."""
    import_id = submit(conn, "gm", MALFORMED / name)
    assert run_all(dsn, conn, import_id) == {import_id: "failed"}
    line, words = MALFORMED_FATAL[name]
    errors = [m for level, m in log_of(conn, import_id) if level == "error"]
    place = f"{name}, line {line}:" if line else f"{name}, line "
    assert any(m.startswith(place) and words in m for m in errors), errors
    assert measurement_count(conn, published=False) == 0


MALFORMED_SKIPPED = (
    "asc_crlf.asc",
    "asc_duplicate_timestamp.asc",
    "asc_impossible_date.asc",
    "asc_truncated_tail.asc",
    "asc_truncated_value.asc",
)


@pytest.mark.parametrize("name", MALFORMED_SKIPPED)
def test_a_fault_in_one_line_is_a_warning(
    dsn: str, conn: Connection, name: str
) -> None:
    """A fault confined to value lines is skipped with a warning to review."""
    import_id = submit(conn, "gm", MALFORMED / name)
    assert run_all(dsn, conn, import_id) == {import_id: "pending"}
    row, _ = imports.get_import(conn, import_id)
    warnings = [m for level, m in log_of(conn, import_id) if level == "warn"]
    assert row.warnings == len(warnings) >= 1
    assert all(m.startswith(name) for m in warnings), warnings
    assert row.summary["warnings"] == row.warnings
    assert staged_rows(conn, import_id) == row.summary["staged"] > 0


def test_a_missing_file_fails_with_one_line(dsn: str, conn: Connection) -> None:
    """A file that is gone by the time the import runs fails, saying so."""
    import_id = submit(conn, "gm", Path("/nonexistent/export.asc"))
    assert run_all(dsn, conn, import_id) == {import_id: "failed"}
    assert log_of(conn, import_id) == [
        (
            "error",
            "error in import: cannot read /nonexistent/export.asc:"
            " No such file or directory",
        )
    ]


def test_the_station_list_is_staged_and_published(dsn: str, conn: Connection) -> None:
    """605 stations are staged, published on acceptance, then unchanged."""
    first = submit(conn, "st", STATIONS)
    assert run_all(dsn, conn, first) == {first: "pending"}
    row, _ = imports.get_import(conn, first)
    assert row.summary["stations"] == 605
    assert row.summary["staged"] == 605
    assert decide(dsn, conn, first, accept=True) == "accepted"
    published = conn.execute(
        "SELECT count(*) FROM waterway.gauges WHERE staging_done"
    ).fetchone()
    assert published == (605,)
    again = submit(conn, "st", STATIONS)
    assert run_all(dsn, conn, again) == {again: "unchanged"}


def test_the_damaged_station_list_warns_per_entry(dsn: str, conn: Connection) -> None:
    """Each damaged entry is reported with its place in the list and what was
    done; the reviewer sees the count before accepting."""
    import_id = submit(conn, "st", BAD_STATIONS)
    assert run_all(dsn, conn, import_id) == {import_id: "pending"}
    warnings = [m for level, m in log_of(conn, import_id) if level == "warn"]
    assert len(warnings) == 3, warnings
    assert all(m.startswith("pegelonline_stations_bad.json, entry ") for m in warnings)
    row, _ = imports.get_import(conn, import_id)
    assert row.warnings == 3


@pytest.mark.parametrize("kind", ["gm", "st", "wx"])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": ""}, 'names no file: its "file" is empty'),
        ({"file": "  "}, 'names no file: its "file" is empty'),
        (
            {"file": "exports/a.asc"},
            "the file must be named by an absolute path, not 'exports/a.asc'",
        ),
        ({"file": "/x.asc", "fiel": 1}, "key 'fiel' is unknown (known: file"),
        ({"path": "/x.asc"}, 'must be an object like {"file": "/path"}'),
    ],
)
def test_every_built_in_kind_refuses_a_file_it_could_not_find(
    conn: Connection, kind: str, data: dict[str, object], message: str
) -> None:
    """A runner may run in another directory, on another host: an empty or
    relative name, or a misspelt key, is refused when queued, with no row."""
    with pytest.raises(BadJobData) as raised:
        imports.enqueue(conn, REGISTRY, kind, json.dumps(data), user="alice")
    assert str(raised.value).startswith(f"job data for {kind!r}: ")
    assert message in str(raised.value)
    assert conn.execute("SELECT count(*) FROM import.imports").fetchone() == (0,)
