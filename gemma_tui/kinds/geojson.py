"""GeoJSON lines: reading LineString and MultiLineString geometries and
measuring them, with every fault named (no database)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from gemma_tui.kinds.asc import quote
from gemma_tui.kinds.jsonvalues import kind_of, show

EARTH_RADIUS_KM = 6371.0088  # the mean radius
# Names by which GeoJSON files name WGS 84 with longitude first.
WGS84 = frozenset(
    [
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
    ]
)

Position = tuple[float, float]
Line = tuple[Position, ...]
Warn = Callable[[str], None]


class Unreadable(Exception):
    """A geometry that is not a line of longitudes and latitudes; the text
    says where and why."""


def crs_fault(crs: object) -> str | None:
    """What is wrong with a ``crs`` member, if it is given and names anything
    but WGS 84 longitude/latitude (RFC 7946 dropped the member; older files
    carry it)."""
    if crs is None:
        return None
    name = crs.get("properties") if isinstance(crs, dict) else None
    name = name.get("name") if isinstance(name, dict) else None
    if not isinstance(name, str):
        return "crs is given but names no coordinate system"
    if name.strip() not in WGS84:
        return f"coordinates are in {quote(name)}, not WGS 84 longitude/latitude"
    return None


def lines(geometry: object, warn: Warn) -> list[Line]:
    """The lines of a LineString or MultiLineString.

    A geometry that is null or empty, and lines of fewer than two positions,
    are warned about and yield no line. Raises `Unreadable` for anything
    else that is not a line of longitudes and latitudes; an altitude is
    dropped.
    """
    if geometry is None:
        warn("feature has no geometry (null); it adds no line")
        return []
    if not isinstance(geometry, dict):
        raise Unreadable(f"geometry is {kind_of(geometry)}, not an object")
    shape, coordinates = geometry.get("type"), geometry.get("coordinates")
    if shape == "LineString":
        parts = [coordinates]
    elif shape == "MultiLineString" and isinstance(coordinates, list):
        parts = coordinates
    elif shape == "MultiLineString":
        raise Unreadable(f"MultiLineString coordinates are {kind_of(coordinates)}")
    else:
        raise Unreadable(
            f"geometry is {show(shape)}, not a LineString or MultiLineString"
        )
    if not parts:
        warn("geometry is an empty MultiLineString; it adds no line")
        return []
    read = [_line(part, number) for number, part in enumerate(parts, start=1)]
    for number, line in enumerate(read, start=1):
        if len(line) < 2:
            warn(f"line {number} has {len(line)} position(s), too few; line dropped")
    return [line for line in read if len(line) >= 2]


def _line(part: object, number: int) -> Line:
    if not isinstance(part, list):
        raise Unreadable(f"line {number} is {kind_of(part)}, not an array of positions")
    return tuple(
        _position(data, f"position {index} of line {number}")
        for index, data in enumerate(part, start=1)
    )


def _position(data: object, where: str) -> Position:
    if (
        not isinstance(data, list)
        or len(data) not in (2, 3)
        or not all(_is_number(value) for value in data)
    ):
        raise Unreadable(f"{where} is {_shown(data)}, not [longitude, latitude]")
    longitude, latitude = data[0], data[1]
    # Also false for NaN, which Python's JSON reader accepts.
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise Unreadable(
            f"{where}, {_shown(data[:2])}, is not a longitude and latitude"
        )
    return float(longitude), float(latitude)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(data: object) -> str:
    """A position for a message: its JSON, if it is short and flat."""
    flat = isinstance(data, list) and not any(isinstance(v, list | dict) for v in data)
    return quote(json.dumps(data), 60) if flat else show(data)


def distance_km(a: Position, b: Position) -> float:
    """Great-circle distance in km (haversine)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
