"""The demo: real sample imports on an embedded server, for a first look.

It creates two roles, `demo_importer` (submits) and `demo_reviewer`
(decides in the console), and, on a queue that has no imports yet, queues
the viadonau gauge exports in the order they were written, one export with
a fault, and the PEGELONLINE station list.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.queue import imports
from gemma_tui.queue.kinds import Registry

IMPORTER = "demo_importer"
REVIEWER = "demo_reviewer"

_Q = load("demo")


def samples() -> Path:
    return Path(str(resources.files("gemma_tui.samples")))


def demo_files() -> list[tuple[str, Path]]:
    """(kind, file) in the order the demo queues them."""
    root = samples()
    exports = sorted((root / "viadonau_asc").glob("*.asc"))
    return [
        *(("gm", path) for path in exports),
        ("gm", root / "malformed" / "asc_unknown_unit.asc"),
        ("st", root / "stations" / "pegelonline_stations_2014-04-24.json"),
    ]


def prepare(conn: Connection, registry: Registry) -> list[int]:
    """Creates the demo roles and queues the samples; returns the new ids."""
    conn.execute(_Q["create_roles"])
    if conn.execute(_Q["has_imports"]).fetchone() != (False,):
        return []
    return [
        imports.enqueue(
            conn, registry, kind, json.dumps({"file": str(path)}), user=IMPORTER
        )
        for kind, path in demo_files()
    ]
