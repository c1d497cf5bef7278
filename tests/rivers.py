"""The real river centre lines, and small GeoJSON made to order."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import DATA

RIVERS = DATA / "geometry" / "natural_earth_ne_50m_rivers_lake_centerlines.geojson"
# The ne_id of the two Danube objects.
DANUBE = 1159115307
DONAU = 1159118769


def feature(ne_id: Any = 1, name: Any = "Alpha", geometry: Any = None) -> Any:
    if geometry is None:
        geometry = {"type": "LineString", "coordinates": [[10, 47], [11, 48]]}
    properties = {"ne_id": ne_id, "name": name, "featurecla": "River"}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: Any, **members: Any) -> bytes:
    data = {"type": "FeatureCollection", "features": list(features), **members}
    return json.dumps(data).encode()
