"""`gm`: gauge measurements from viadonau ASC exports.

Values are staged beside the published series and tracked per import.
Only what the published series lacks is staged: new instants, values where
it has a gap or another value. An export whose values are all published or
staged by a pending import already ends `unchanged`; accepting publishes
the staged values, replacing the published ones at the same instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import BadJobData
from gemma_tui.kinds import files
from gemma_tui.kinds.asc import AscExport, parse_asc
from gemma_tui.queue.kinds import Feedback, Job, Kind, Unchanged
from gemma_tui.text import plural

_Q = load("gauges")

# The Austrian hydrographic convention: UTC+1 all year.
DEFAULT_UTC_OFFSET_MINUTES = 60


class GaugeMeasurements(Kind):
    name = "gm"
    description = "Gauge measurements (viadonau ASC export)"
    exclusive = ("gauge_measurements",)
    shared = ("gauges",)

    def create(self, data: Any) -> Job:
        path = files.file_of(data, ("file", "utc_offset_minutes"))
        minutes = data.get("utc_offset_minutes", DEFAULT_UTC_OFFSET_MINUTES)
        if not isinstance(minutes, int) or not -720 <= minutes <= 840:
            raise BadJobData("utc_offset_minutes must be whole minutes, -720 to 840")
        return GaugeImport(path, timedelta(minutes=minutes))

    def stage_done(self, conn: Connection, import_id: int, feedback: Feedback) -> None:
        ids = {"id": import_id}
        conn.execute(_Q["drop_stale_gaps"], ids)
        conn.execute(_Q["unpublish_replaced_measurements"], ids)
        published = conn.execute(_Q["publish_measurements"], ids).rowcount
        feedback.info(f"published {plural(published, 'value')}")


@dataclass(frozen=True, slots=True)
class GaugeImport(Job):
    path: Path
    utc_offset: timedelta

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        export = parse_asc(files.read(self.path), utc_offset=self.utc_offset)
        warnings = files.report(feedback, self.path, export.problems)
        if export.failed:
            raise files.rejected(self.path, export.problems)
        staged = self._stage(conn, import_id, export)
        summary = summarise(self.path, export, staged, warnings)
        if not staged:
            raise Unchanged(files.all_known(len(export.values), "values"))
        feedback.info(
            f"{self.path.name}: staged {staged} of {len(export.values)} values"
            f" of {summary['gauges']} gauges"
        )
        return summary

    @staticmethod
    def _stage(conn: Connection, import_id: int, export: AscExport) -> int:
        conn.execute(_Q["create_incoming_measurements"])
        with conn.cursor().copy(_Q["copy_incoming_measurements"]) as copy:
            for v in export.values:
                copy.write_row((v.gauge, v.parameter, v.unit, v.measured, v.value))
        conn.execute(_Q["select_fresh_measurements"])
        row = conn.execute(_Q["count_novel_measurements"]).fetchone()
        if row is None or row[0] == 0:
            return 0
        return conn.execute(_Q["stage_measurements"], {"id": import_id}).rowcount


def summarise(
    path: Path, export: AscExport, staged: int, warnings: int
) -> dict[str, Any]:
    values = export.values
    times = [value.measured for value in values]
    return {
        "file": path.name,
        "gauges": len({value.gauge for value in values}),
        "series": len({(value.gauge, value.parameter) for value in values}),
        "values": len(values),
        "gaps": sum(1 for value in values if value.value is None),
        "staged": staged,
        "warnings": warnings,
        "from": min(times).isoformat() if times else None,
        "to": max(times).isoformat() if times else None,
    }
