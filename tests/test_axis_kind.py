"""The built-in kind `wx` on the real file and damaged copies, through a
real runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gemma_tui.db import Connection
from gemma_tui.errors import BadJobData
from gemma_tui.kinds import load_kinds
from gemma_tui.kinds.files import all_known
from gemma_tui.queue import imports
from tests.rivers import DANUBE, DONAU, RIVERS, collection, feature
from tests.running import running, settled, wait_until

REGISTRY = load_kinds().registry
AXES = 463


def submit(conn: Connection, path: Path, **options: Any) -> int:
    data = json.dumps({"file": str(path), **options})
    return imports.enqueue(conn, REGISTRY, "wx", data, user="alice")


def run_all(dsn: str, conn: Connection, *ids: int) -> dict[int, str]:
    with running(dsn, REGISTRY):
        return wait_until(lambda: settled(conn, *ids))


def decide(dsn: str, conn: Connection, import_id: int, accept: bool) -> str:
    review = imports.decide(conn, REGISTRY, import_id, accept, reviewer="rita")
    with running(dsn, REGISTRY):
        return wait_until(lambda: imports.review_outcome(conn, import_id, review))


def log_of(conn: Connection, import_id: int) -> list[tuple[str, str]]:
    return [(line.level, line.message) for line in imports.logs_of(conn, import_id)]


def count(conn: Connection, where: str = "true") -> int:
    row = conn.execute(
        f"SELECT count(*) FROM waterway.waterway_axis WHERE {where}"
    ).fetchone()
    assert row is not None
    return int(row[0])


def tracked(conn: Connection, import_id: int) -> set[int]:
    rows = conn.execute(
        "SELECT key FROM import.track_imports WHERE import_id = %s", (import_id,)
    ).fetchall()
    return {int(row[0]) for row in rows}


def danube_variant(tmp_path: Path) -> Path:
    """The real file with the Danube's last vertex moved a little."""
    data = json.loads(RIVERS.read_bytes())
    for entry in data["features"]:
        if entry["properties"]["ne_id"] == DANUBE:
            entry["geometry"]["coordinates"][0][-1][0] += 0.01
    path = tmp_path / "rivers_moved.geojson"
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_the_real_file_is_staged_with_its_summary(dsn: str, conn: Connection) -> None:
    """Every axis is staged and tracked; the empty Loire feature is a warning."""
    import_id = submit(conn, RIVERS)
    assert run_all(dsn, conn, import_id) == {import_id: "pending"}
    row, _ = imports.get_import(conn, import_id)
    assert row.summary["features"] == 478
    assert row.summary["axes"] == row.summary["staged"] == AXES
    assert row.summary["vertices"] == 25751
    assert row.summary["names"] is None
    assert row.warnings == row.summary["warnings"] == 1
    assert (
        "warn",
        f"{RIVERS.name}, feature 461: geometry is an empty MultiLineString;"
        " it adds no line",
    ) in log_of(conn, import_id)
    assert len(tracked(conn, import_id)) == count(conn, "NOT staging_done") == AXES
    stored = conn.execute(
        "SELECT name, geometry, vertices, west, east FROM waterway.waterway_axis"
        " WHERE ne_id = %s",
        (DONAU,),
    ).fetchone()
    assert stored is not None
    name, geometry, vertices, west, east = stored
    assert (name, geometry["type"], vertices) == ("Donau", "MultiLineString", 68)
    assert sum(len(line) for line in geometry["coordinates"]) == vertices
    assert west < east


def test_importing_the_file_twice_is_unchanged(dsn: str, conn: Connection) -> None:
    first = submit(conn, RIVERS)
    again = submit(conn, RIVERS)
    assert run_all(dsn, conn, first, again) == {first: "pending", again: "unchanged"}
    assert ("info", "unchanged: " + all_known(AXES, "axes")) in log_of(conn, again)
    assert tracked(conn, again) == set()


def test_names_choose_the_axes(dsn: str, conn: Connection) -> None:
    """Both Danube axes, logged with what each name found."""
    import_id = submit(conn, RIVERS, names=["Danube", "Atlantis"])
    assert run_all(dsn, conn, import_id) == {import_id: "pending"}
    row, _ = imports.get_import(conn, import_id)
    assert row.summary["staged"] == 2
    assert row.summary["names"] == ["Danube", "Atlantis"]
    log = log_of(conn, import_id)
    assert (
        "info",
        f"'Danube' found Danube (ne_id {DANUBE}), Donau (ne_id {DONAU})",
    ) in log
    assert (
        "warn",
        f"{RIVERS.name}: no axis is named 'Atlantis'; none imported for it",
    ) in log
    ne_ids = conn.execute(
        "SELECT ne_id FROM waterway.waterway_axis ORDER BY ne_id"
    ).fetchall()
    assert ne_ids == [(DANUBE,), (DONAU,)]


def test_accepting_publishes_and_replaces(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """Accepted axes are published; a changed axis replaces its published
    record on acceptance and the rest stay as they were."""
    first = submit(conn, RIVERS)
    run_all(dsn, conn, first)
    assert decide(dsn, conn, first, accept=True) == "accepted"
    assert count(conn, "staging_done") == AXES
    assert count(conn, "NOT staging_done") == 0
    again = submit(conn, RIVERS)
    assert run_all(dsn, conn, again) == {again: "unchanged"}

    moved = submit(conn, danube_variant(tmp_path))
    assert run_all(dsn, conn, moved) == {moved: "pending"}
    row, _ = imports.get_import(conn, moved)
    assert row.summary["staged"] == 1
    assert decide(dsn, conn, moved, accept=True) == "accepted"
    assert count(conn, "staging_done") == AXES
    assert count(conn) == AXES
    published = conn.execute(
        "SELECT geometry FROM waterway.waterway_axis WHERE ne_id = %s", (DANUBE,)
    ).fetchone()
    assert published is not None
    original = json.loads(RIVERS.read_bytes())
    (danube,) = [f for f in original["features"] if f["properties"]["ne_id"] == DANUBE]
    last = danube["geometry"]["coordinates"][0][-1]
    assert published[0]["coordinates"][0][-1] == [last[0] + 0.01, last[1]]


def test_declining_deletes_exactly_its_staged_rows(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """Declining removes the import's staged axes, not the published ones
    it would have replaced, nor another import's."""
    first = submit(conn, RIVERS, names=["Danube"])
    run_all(dsn, conn, first)
    assert decide(dsn, conn, first, accept=True) == "accepted"
    before = conn.execute(
        "SELECT id, geometry FROM waterway.waterway_axis ORDER BY id"
    ).fetchall()
    moved = submit(conn, danube_variant(tmp_path), names=["Danube"])
    rhine = submit(conn, RIVERS, names=["Rhine"])
    assert run_all(dsn, conn, moved, rhine) == {moved: "pending", rhine: "pending"}
    rhine_rows = tracked(conn, rhine)
    assert len(tracked(conn, moved)) == 1
    assert decide(dsn, conn, moved, accept=False) == "declined"
    assert tracked(conn, moved) == set()
    assert tracked(conn, rhine) == rhine_rows
    published = conn.execute(
        "SELECT id, geometry FROM waterway.waterway_axis WHERE staging_done ORDER BY id"
    ).fetchall()
    assert published == before
    assert count(conn, "NOT staging_done") == len(rhine_rows)


def test_a_fatal_fault_fails_and_stages_nothing(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    path = tmp_path / "mercator.geojson"
    path.write_bytes(collection(feature(), crs={"properties": {"name": "EPSG:3857"}}))
    import_id = submit(conn, path)
    assert run_all(dsn, conn, import_id) == {import_id: "failed"}
    errors = [m for level, m in log_of(conn, import_id) if level == "error"]
    assert errors[0] == (
        "mercator.geojson: coordinates are in 'EPSG:3857', not WGS 84"
        " longitude/latitude; import stops, nothing staged"
    )
    assert count(conn) == 0


def test_a_damaged_feature_is_a_warning_with_its_place(
    dsn: str, conn: Connection, tmp_path: Path
) -> None:
    """The damaged feature's axis is skipped and the reviewer sees why."""
    path = tmp_path / "damaged.geojson"
    bad = feature(ne_id=2, geometry={"type": "Polygon", "coordinates": []})
    path.write_bytes(collection(feature(ne_id=1), bad, 17, feature(ne_id=3)))
    import_id = submit(conn, path)
    assert run_all(dsn, conn, import_id) == {import_id: "pending"}
    warnings = [m for level, m in log_of(conn, import_id) if level == "warn"]
    assert warnings == [
        "damaged.geojson, feature 2: geometry is 'Polygon', not a LineString or"
        " MultiLineString; axis 'Alpha' (ne_id 2) skipped",
        "damaged.geojson, feature 3: entry is a number, not a GeoJSON Feature; skipped",
    ]
    row, _ = imports.get_import(conn, import_id)
    assert row.warnings == row.summary["warnings"] == 2
    assert row.summary["staged"] == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": ["Danube"]}, "key 'name' is unknown (known: file, names)"),
        ({"names": "Danube"}, "names must be a list of 1 to 1000 names"),
        ({"names": []}, "names must be a list of 1 to 1000 names"),
        ({"names": ["Danube", " "]}, "names must be a list of 1 to 1000 names"),
    ],
)
def test_bad_job_data_is_refused_at_enqueue(
    conn: Connection, options: dict[str, Any], message: str
) -> None:
    """The kind reads the options when the import is queued: one line, no row."""
    with pytest.raises(BadJobData) as raised:
        submit(conn, RIVERS, **options)
    assert message in str(raised.value)
    assert conn.execute("SELECT count(*) FROM import.imports").fetchone() == (0,)


def test_bad_job_data_written_past_enqueue_fails_with_one_line(
    dsn: str, conn: Connection
) -> None:
    """Data changed behind the queue's back still fails the run, in one line."""
    import_id = submit(conn, RIVERS)
    data = json.dumps({"file": str(RIVERS), "names": []})
    conn.execute("UPDATE import.imports SET data = %s WHERE id = %s", (data, import_id))
    assert run_all(dsn, conn, import_id) == {import_id: "failed"}
    errors = [m for level, m in log_of(conn, import_id) if level == "error"]
    assert len(errors) == 1
    assert "names must be a list of 1 to 1000 names" in errors[0]
    assert count(conn) == 0
