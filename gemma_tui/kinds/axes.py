"""`wx`: waterway axes from Natural Earth river centre lines (GeoJSON).

The job data names the file and, optionally, which axes to import:
``{"file": "/path/rivers.geojson", "names": ["Danube", "Rhine"]}``. Without
``names`` every axis in the file is imported; with it, those known by one
of the names in any language the file gives (see `naturalearth`). Axes
are keyed on their ``ne_id``: what is new or differs from the published
record is staged, and accepting replaces the published axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import BadJobData
from gemma_tui.kinds import files
from gemma_tui.kinds.asc import quote
from gemma_tui.kinds.naturalearth import AxisFile, parse_axes
from gemma_tui.queue.kinds import Feedback, Job, Kind, Unchanged

_Q = load("axes")

DATA_KEYS = ("file", "names")
MAX_NAMES = 1000


class WaterwayAxes(Kind):
    name = "wx"
    description = "Waterway axes (Natural Earth river centre lines, GeoJSON)"
    exclusive = ("waterway_axis",)

    def create(self, data: Any) -> Job:
        path = files.file_of(data, DATA_KEYS)
        return AxisImport(path, names_of(data.get("names")))

    def stage_done(self, conn: Connection, import_id: int, feedback: Feedback) -> None:
        conn.execute(_Q["unpublish_replaced_axes"], {"id": import_id})
        published = conn.execute(_Q["publish_axes"], {"id": import_id}).rowcount
        axes = "waterway axis" if published == 1 else "waterway axes"
        feedback.info(f"published {published} {axes}")


def names_of(data: object) -> tuple[str, ...] | None:
    """The `names` option: absent for all axes, else a list of names."""
    if data is None:
        return None
    if (
        not isinstance(data, list)
        or not 0 < len(data) <= MAX_NAMES
        or not all(isinstance(name, str) and name.strip() for name in data)
    ):
        raise BadJobData(
            f"names must be a list of 1 to {MAX_NAMES} names, such as"
            ' ["Danube"]; leave it out to import every axis'
        )
    return tuple(data)


@dataclass(frozen=True, slots=True)
class AxisImport(Job):
    path: Path
    names: tuple[str, ...] | None

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        found = parse_axes(files.read(self.path), self.names)
        warnings = files.report(feedback, self.path, found.problems, "feature")
        if found.failed:
            raise files.rejected(self.path, found.problems)
        _report_matches(feedback, found)
        staged = _stage(conn, import_id, found)
        if not staged:
            raise Unchanged(files.all_known(len(found.axes), "axes"))
        feedback.info(
            f"{self.path.name}: staged {staged} of {len(found.axes)} waterway axes"
        )
        return _summary(self.path, found, self.names, staged, warnings)


def _report_matches(feedback: Feedback, found: AxisFile) -> None:
    titles = {axis.ne_id: axis.title() for axis in found.axes}
    for name, ne_ids in found.matches.items():
        if ne_ids:
            axes = ", ".join(titles.get(ne_id, f"ne_id {ne_id}") for ne_id in ne_ids)
            feedback.info(f"{quote(name)} found {axes}")


def _stage(conn: Connection, import_id: int, found: AxisFile) -> int:
    conn.execute(_Q["create_incoming_axes"])
    with conn.cursor().copy(_Q["copy_incoming_axes"]) as copy:
        for axis in found.axes:
            copy.write_row(
                (
                    axis.ne_id,
                    axis.name,
                    list(axis.names),
                    axis.feature_class,
                    axis.wikidata,
                    Jsonb(axis.geometry()),
                    *axis.bbox,
                    axis.vertices,
                    axis.length_km,
                )
            )
    conn.execute(_Q["select_fresh_axes"])
    row = conn.execute(_Q["count_novel_axes"]).fetchone()
    if row is None or row[0] == 0:
        return 0
    return conn.execute(_Q["stage_axes"], {"id": import_id}).rowcount


def _summary(
    path: Path,
    found: AxisFile,
    names: tuple[str, ...] | None,
    staged: int,
    warnings: int,
) -> dict[str, Any]:
    return {
        "file": path.name,
        "names": list(names) if names is not None else None,
        "features": found.features,
        "axes": len(found.axes),
        "staged": staged,
        "vertices": sum(axis.vertices for axis in found.axes),
        "length_km": round(sum(axis.length_km for axis in found.axes)),
        "warnings": warnings,
    }
