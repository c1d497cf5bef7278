"""PEGELONLINE station lists: bytes in, stations and problems out (no database).

The format is the JSON of the PEGELONLINE REST service's station list
(``/stations.json``): a UTF-8 array of objects such as::

    {"uuid": "…", "number": "48900237", "shortname": "EITZE",
     "longname": "EITZE", "km": 9.56, "agency": "WSA VERDEN",
     "longitude": 9.27, "latitude": 52.90,
     "water": {"shortname": "ALLER", "longname": "ALLER"}}

``agency``, ``longitude`` and ``latitude`` may be absent; that is normal.
Stations are keyed on ``number`` (names repeat: two NEUSTADT, two NIENBURG).
``water`` becomes the water's long name (short name if there is none).

Each problem's `line` is the station's 1-based position in the array
(`Station.index` + 1), or 0 for a fault of the whole file; messages count
positions the same way. What is done with faults:

- Fatal, no stations: not UTF-8, not JSON, not a non-empty array.
- Station skipped, with a warning: an entry that is not an object, no
  number (or one that is not text, since a JSON number would lose leading
  zeros such as ``0610``), no name at all, a number already used by an
  earlier station (the first is kept; the warning names both positions).
- Station kept, with a warning: km or a coordinate given as text (read as a
  number, decimal comma allowed), latitude and longitude swapped (swapped
  back; stations lie at latitude 47-56 and longitude 5-16), coordinates
  outside that area (kept as given) or not on Earth (left empty), only one
  coordinate (both left empty), a field that cannot be read (left empty;
  text counts as unreadable if the database cannot store it: a NUL or a
  lone surrogate), one name missing (the other used for both).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gemma_tui.kinds.asc import STOP, Problem
from gemma_tui.kinds.jsonvalues import blank, kind_of, show, storable

LATITUDES = (47.0, 56.0)
LONGITUDES = (5.0, 16.0)
_TEXT_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?", re.ASCII)

Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Station:
    """One gauge; `index` is its 0-based position in the JSON array."""

    number: str
    shortname: str
    longname: str
    water: str | None
    km: float | None
    longitude: float | None
    latitude: float | None
    agency: str | None
    index: int


@dataclass(frozen=True, slots=True)
class StationList:
    """What a file holds: `stations` is empty whenever `failed`."""

    stations: tuple[Station, ...]
    problems: tuple[Problem, ...]

    @property
    def failed(self) -> bool:
        return any(problem.fatal for problem in self.problems)


def parse_stations(raw: bytes) -> StationList:
    """Parses a station list; faults in `raw` become problems, never exceptions."""
    entries = _entries(raw)
    if isinstance(entries, Problem):
        return StationList((), (entries,))
    problems: list[Problem] = []
    stations: dict[str, Station] = {}
    for index, entry in enumerate(entries):
        warn = _warner(problems, index)
        station = _station(index, entry, warn)
        if station is not None:
            _add_unique(stations, station, warn)
    return StationList(tuple(stations.values()), tuple(problems))


def _warner(problems: list[Problem], index: int) -> Warn:
    def warn(message: str) -> None:
        problems.append(Problem(index + 1, message, fatal=False))

    return warn


def _stop(what: str) -> Problem:
    return Problem(0, f"{what}; {STOP}", fatal=True)


def _entries(raw: bytes) -> list[Any] | Problem:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _stop(f"file is not UTF-8 (byte {error.start} cannot be read)")
    try:
        data = json.loads(text)
    except RecursionError:
        return _stop("file is not a station list: JSON nested too deeply")
    except ValueError as error:
        return _stop(f"file is not JSON ({error})")
    if not isinstance(data, list):
        return _stop(f"JSON holds {kind_of(data)}, not an array of stations")
    if not data:
        return _stop("station array is empty: there is nothing to import")
    return data


def _add_unique(stations: dict[str, Station], station: Station, warn: Warn) -> None:
    first = stations.get(station.number)
    if first is None:
        stations[station.number] = station
        return
    warn(
        f"number {station.number} of {station.shortname} (position "
        f"{station.index + 1}) is already used by {first.shortname} (position "
        f"{first.index + 1}); the first is kept, this station skipped"
    )


def _station(index: int, entry: object, warn: Warn) -> Station | None:
    if not isinstance(entry, dict):
        warn(f"entry {show(entry)} is {kind_of(entry)}, not a station; skipped")
        return None
    number = _number_of(entry, warn)
    names = _names(entry, warn)
    if number is None or names is None:
        return None
    longitude, latitude = _coordinates(entry, warn)
    return Station(
        number=number,
        shortname=names[0],
        longname=names[1],
        water=_water(entry.get("water"), warn),
        km=_float("km", entry.get("km"), warn),
        longitude=longitude,
        latitude=latitude,
        agency=_text_field("agency", entry.get("agency"), warn),
        index=index,
    )


def _number_of(entry: dict[str, Any], warn: Warn) -> str | None:
    raw = entry.get("number")
    number = storable(raw)
    if number is None:
        name = show(entry.get("shortname") or entry.get("longname"))
        if blank(raw):
            warn(f"station {name} has no number; skipped")
        else:
            warn(f"station {name} has number {show(raw)}, not text; skipped")
    return number


def _names(entry: dict[str, Any], warn: Warn) -> tuple[str, str] | None:
    short, long = storable(entry.get("shortname")), storable(entry.get("longname"))
    if short is None and long is None:
        warn(f"station {show(entry.get('number'))} has no name; skipped")
        return None
    if short is None or long is None:
        name = short or long or ""
        warn(f"station {show(name)} has only one name; used as both names")
        return name, name
    return short, long


def _text_field(name: str, data: object, warn: Warn) -> str | None:
    text = storable(data)
    if text is None and not blank(data):
        warn(f"{name} {show(data)} is not text; {name} left empty")
    return text


def _water(data: object, warn: Warn) -> str | None:
    if isinstance(data, dict):
        return storable(data.get("longname")) or storable(data.get("shortname"))
    return _text_field("water", data, warn)


def _float(name: str, data: object, warn: Warn) -> float | None:
    """A finite number, or None; text such as "2203,5" is read with a warning."""
    if data is None:
        return None
    number = _finite(data)
    if number is None:
        warn(f"{name} {show(data)} is not a number; {name} left empty")
    elif isinstance(data, str):
        warn(f"{name} given as text {show(data)}; read as {number}")
    return number


def _finite(data: object) -> float | None:
    if isinstance(data, str) and _TEXT_NUMBER.fullmatch(data.strip()):
        data = float(data.strip().replace(",", "."))
    if not isinstance(data, int | float) or isinstance(data, bool):
        return None
    try:
        number = float(data)
    except OverflowError:  # an integer beyond float range
        return None
    return number if math.isfinite(number) else None


def _coordinates(
    entry: dict[str, Any], warn: Warn
) -> tuple[float | None, float | None]:
    """(longitude, latitude), both or neither; swapped ones are swapped back."""
    longitude = _float("longitude", entry.get("longitude"), warn)
    latitude = _float("latitude", entry.get("latitude"), warn)
    if longitude is None or latitude is None:
        if (longitude, latitude) != (None, None):
            warn("only one of latitude and longitude is given; both left empty")
        return None, None
    if _expected(latitude, longitude):
        return longitude, latitude
    if _expected(longitude, latitude):
        warn(
            f"latitude {latitude} and longitude {longitude} are swapped (latitude "
            "must be 47-56, longitude 5-16); swapped back"
        )
        return latitude, longitude
    return _unexpected(longitude, latitude, warn)


def _expected(latitude: float, longitude: float) -> bool:
    return (
        LATITUDES[0] <= latitude <= LATITUDES[1]
        and LONGITUDES[0] <= longitude <= LONGITUDES[1]
    )


def _unexpected(
    longitude: float, latitude: float, warn: Warn
) -> tuple[float | None, float | None]:
    where = f"latitude {latitude}, longitude {longitude}"
    if abs(latitude) > 90 or abs(longitude) > 180:
        warn(f"{where} is not a place on Earth; coordinates left empty")
        return None, None
    warn(
        f"{where} lies outside the expected area (latitude 47-56, longitude 5-16); "
        "kept as given"
    )
    return longitude, latitude
