"""`st`: gauge stations from a PEGELONLINE station list.

Stations are keyed on their number. What is new or differs from the
published record is staged; accepting replaces the published records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.kinds import files
from gemma_tui.kinds.pegelonline import StationList, parse_stations
from gemma_tui.queue.kinds import Feedback, Job, Kind, Unchanged
from gemma_tui.text import plural

_Q = load("gauges")


class GaugeStations(Kind):
    name = "st"
    description = "Gauge stations (PEGELONLINE station list)"
    exclusive = ("gauges",)

    def create(self, data: Any) -> Job:
        return StationImport(files.file_of(data))

    def stage_done(self, conn: Connection, import_id: int, feedback: Feedback) -> None:
        conn.execute(_Q["unpublish_replaced_stations"], {"id": import_id})
        published = conn.execute(_Q["publish_stations"], {"id": import_id}).rowcount
        feedback.info(f"published {plural(published, 'station')}")


@dataclass(frozen=True, slots=True)
class StationImport(Job):
    path: Path

    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        listing = parse_stations(files.read(self.path))
        warnings = files.report(feedback, self.path, listing.problems, "entry")
        if listing.failed:
            raise files.rejected(self.path, listing.problems)
        staged = self._stage(conn, import_id, listing)
        if not staged:
            raise Unchanged(files.all_known(len(listing.stations), "stations"))
        feedback.info(f"{self.path.name}: staged {plural(staged, 'station')}")
        return {
            "file": self.path.name,
            "stations": len(listing.stations),
            "staged": staged,
            "without_coordinates": sum(
                1 for s in listing.stations if s.latitude is None or s.longitude is None
            ),
            "warnings": warnings,
        }

    @staticmethod
    def _stage(conn: Connection, import_id: int, listing: StationList) -> int:
        conn.execute(_Q["create_incoming_stations"])
        with conn.cursor().copy(_Q["copy_incoming_stations"]) as copy:
            for s in listing.stations:
                copy.write_row(
                    (
                        s.number,
                        s.shortname,
                        s.longname,
                        s.water,
                        s.km,
                        s.longitude,
                        s.latitude,
                        s.agency,
                    )
                )
        conn.execute(_Q["select_fresh_stations"])
        row = conn.execute(_Q["count_novel_stations"]).fetchone()
        if row is None or row[0] == 0:
            return 0
        return conn.execute(_Q["stage_stations"], {"id": import_id}).rowcount
