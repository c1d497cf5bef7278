"""Natural Earth river centre lines: GeoJSON in, waterway axes and problems
out (no database).

The input is Natural Earth's ``rivers_lake_centerlines`` layer as GeoJSON:
a UTF-8 FeatureCollection of features with a line geometry (LineString or
MultiLineString, longitude and latitude in WGS 84) and properties such as
``ne_id`` (the Natural Earth object), ``name``, ``name_alt``, ``label``,
localised ``name_xx``, ``featurecla`` (River, Lake Centerline, Canal) and
``wikidataid``.

An axis is one Natural Earth object, keyed on its ``ne_id``. The 1:50m
file splits some objects into several features that share an ``ne_id``
(the Great Bear River into six); their lines are joined, in file order,
into one axis, so that an axis is always staged whole. The Danube is two
objects, "Donau" (the upper course) and "Danube", and stays two axes.

Which axes are read: all of them, or, given `names`, those known by one of
the names. A name matches when it equals, ignoring case and repeated
spaces, a name property of any feature of the axis: ``name``,
``name_alt``, ``label`` or any ``name_xx``. So "Danube" and "Donau" each
find both Danube axes. An altitude in a position is dropped.

What is done with faults (every fault becomes a `Problem`, nothing raises):

- Fatal, so the result has no axes: a file that is not UTF-8, not JSON,
  not a FeatureCollection or has no features; a ``crs`` other than WGS 84
  longitude/latitude; `names` of which none matches; no readable axis.
- Feature skipped, whatever the names: an entry that is not a Feature
  object, or has no ``ne_id`` that is a positive whole number (it belongs
  to no axis).
- Axis skipped: a feature of it with a geometry that is not a line, or
  with a position that is not a longitude and latitude (staging the rest
  would replace the whole axis with a part on acceptance); an axis left
  without a line of two or more positions.
- Axis kept, with a warning: a feature without a geometry (null, or an
  empty MultiLineString: the real file has one, a Loire feature whose line
  another feature of the same ``ne_id`` carries) or a line of fewer than
  two positions (either adds no line); a name, class or wikidata id that
  is not text (ignored); features of one axis that disagree on ``name``,
  ``featurecla`` or ``wikidataid`` (the first is kept); one of `names`
  that matches no axis.

Each problem's `line` is the feature's 1-based position in ``features``,
or 0 for a fault of the whole file or of `names`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from gemma_tui.kinds import geojson
from gemma_tui.kinds.asc import STOP, Problem, quote
from gemma_tui.kinds.geojson import Line, Warn, crs_fault, distance_km
from gemma_tui.kinds.jsonvalues import blank, kind_of, show, storable

MAX_NE_ID = 2**63 - 1  # a PostgreSQL bigint
_NAME_KEYS = ("name", "name_alt", "label")


@dataclass(frozen=True, slots=True)
class Axis:
    """One waterway axis; `features` are the 1-based positions it joins."""

    ne_id: int
    name: str | None
    names: tuple[str, ...]
    feature_class: str | None
    wikidata: str | None
    lines: tuple[Line, ...]
    features: tuple[int, ...]

    @property
    def vertices(self) -> int:
        return sum(len(line) for line in self.lines)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """West, south, east, north."""
        longitudes = [lon for line in self.lines for lon, _ in line]
        latitudes = [lat for line in self.lines for _, lat in line]
        return min(longitudes), min(latitudes), max(longitudes), max(latitudes)

    @property
    def length_km(self) -> float:
        return sum(distance_km(a, b) for line in self.lines for a, b in pairwise(line))

    def geometry(self) -> dict[str, Any]:
        """The axis as a GeoJSON MultiLineString."""
        lines = [[list(position) for position in line] for line in self.lines]
        return {"type": "MultiLineString", "coordinates": lines}

    def title(self) -> str:
        return f"{self.name or 'unnamed'} (ne_id {self.ne_id})"


@dataclass(frozen=True, slots=True)
class AxisFile:
    """What a file holds: `axes` is empty whenever `failed`. `matches` maps
    each name asked for to the ``ne_id`` of every axis it found."""

    axes: tuple[Axis, ...]
    problems: tuple[Problem, ...]
    features: int
    matches: Mapping[str, tuple[int, ...]]

    @property
    def failed(self) -> bool:
        return any(problem.fatal for problem in self.problems)


def parse_axes(raw: bytes, names: Iterable[str] | None = None) -> AxisFile:
    """Reads the axes, all or those `names` find; faults become problems."""
    entries = _entries(raw)
    if isinstance(entries, Problem):
        return AxisFile((), (entries,), 0, {})
    problems: list[Problem] = []
    groups = _groups(entries, problems)
    chosen, matches = _chosen(groups, names, problems)
    axes = [axis for group in chosen if (axis := _axis(group, problems)) is not None]
    if not axes and not any(problem.fatal for problem in problems):
        problems.append(_stop("no axis could be read"))
    failed = any(problem.fatal for problem in problems)
    ordered = tuple(sorted(problems, key=lambda problem: problem.line))
    return AxisFile(() if failed else tuple(axes), ordered, len(entries), matches)


def _stop(what: str) -> Problem:
    return Problem(0, f"{what}; {STOP}", fatal=True)


def _warner(problems: list[Problem], position: int) -> Warn:
    def warn(message: str) -> None:
        problems.append(Problem(position, message, fatal=False))

    return warn


# --- bytes to features ------------------------------------------------------


def _entries(raw: bytes) -> list[Any] | Problem:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return _stop(f"file is not UTF-8 (byte {error.start} cannot be read)")
    except RecursionError:
        return _stop("file is not GeoJSON: JSON nested too deeply")
    except ValueError as error:
        return _stop(f"file is not JSON ({error})")
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        what = show(data.get("type")) if isinstance(data, dict) else kind_of(data)
        return _stop(f"JSON holds {what}, not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        return _stop("the FeatureCollection has no features to import")
    fault = crs_fault(data.get("crs"))
    return _stop(fault) if fault else features


@dataclass(frozen=True, slots=True)
class _Feature:
    position: int
    ne_id: int
    properties: dict[str, Any]
    geometry: object

    def names(self) -> Iterator[tuple[str, object]]:
        """Every name property, keyed by its property name."""
        for key, value in self.properties.items():
            if key in _NAME_KEYS or key.startswith("name_"):
                yield key, value


def _groups(entries: list[Any], problems: list[Problem]) -> list[list[_Feature]]:
    """The readable features by ``ne_id``, in order of first appearance."""
    groups: dict[int, list[_Feature]] = {}
    for position, entry in enumerate(entries, start=1):
        feature = _feature(position, entry, _warner(problems, position))
        if feature is not None:
            groups.setdefault(feature.ne_id, []).append(feature)
    return list(groups.values())


def _feature(position: int, entry: object, warn: Warn) -> _Feature | None:
    if not isinstance(entry, dict) or entry.get("type") != "Feature":
        what = show(entry.get("type")) if isinstance(entry, dict) else kind_of(entry)
        warn(f"entry is {what}, not a GeoJSON Feature; skipped")
        return None
    properties = entry.get("properties")
    if not isinstance(properties, dict):
        warn("feature has no properties, so no ne_id; skipped")
        return None
    ne_id = properties.get("ne_id")
    if (
        not isinstance(ne_id, int)
        or isinstance(ne_id, bool)
        or not 0 < ne_id <= MAX_NE_ID
    ):
        if ne_id is None:
            warn("feature has no ne_id; skipped")
        else:
            what = f"ne_id {show(ne_id)}, not a positive whole number"
            warn(f"feature has {what}; skipped")
        return None
    return _Feature(position, ne_id, properties, entry.get("geometry"))


# --- choosing by name -------------------------------------------------------


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _chosen(
    groups: list[list[_Feature]],
    names: Iterable[str] | None,
    problems: list[Problem],
) -> tuple[list[list[_Feature]], dict[str, tuple[int, ...]]]:
    """The groups that `names` find (all without names), and what each found."""
    if names is None:
        return groups, {}
    wanted = {_folded(name): name for name in names}
    found: dict[str, list[int]] = {name: [] for name in wanted.values()}
    chosen = []
    for group in groups:
        known = {_folded(name) for name in _texts(group)}
        hits = [name for key, name in wanted.items() if key in known]
        for name in hits:
            found[name].append(group[0].ne_id)
        if hits:
            chosen.append(group)
    _report_missing(found, problems)
    return chosen, {name: tuple(ids) for name, ids in found.items()}


def _report_missing(found: dict[str, list[int]], problems: list[Problem]) -> None:
    """Names that found nothing: a warning each, or fatal if none found any."""
    missing = [name for name, ids in found.items() if not ids]
    if missing and len(missing) == len(found):
        quoted = " or ".join(quote(name) for name in missing)
        problems.append(_stop(f"no axis is named {quoted}"))
        return
    for name in missing:
        message = f"no axis is named {quote(name)}; none imported for it"
        problems.append(Problem(0, message, fatal=False))


def _texts(group: list[_Feature]) -> Iterator[str]:
    for feature in group:
        for _, value in feature.names():
            if (text := storable(value)) is not None:
                yield text


# --- features to axes -------------------------------------------------------


def _axis(group: list[_Feature], problems: list[Problem]) -> Axis | None:
    """The axis the features of one ``ne_id`` make, or None if one of them
    cannot be read."""
    lines: list[Line] = []
    for feature in group:
        warn = _warner(problems, feature.position)
        try:
            lines += geojson.lines(feature.geometry, warn)
        except geojson.Unreadable as skip:
            problems.append(_skipped(group, feature, str(skip)))
            return None
    if not lines:
        problems.append(_skipped(group, group[0], "no line of two or more positions"))
        return None
    return Axis(
        ne_id=group[0].ne_id,
        name=_agreed("name", group, problems),
        names=_all_names(group, problems),
        feature_class=_agreed("featurecla", group, problems),
        wikidata=_agreed("wikidataid", group, problems),
        lines=tuple(lines),
        features=tuple(feature.position for feature in group),
    )


def _skipped(group: list[_Feature], feature: _Feature, why: str) -> Problem:
    name = next(
        (text for f in group if (text := storable(f.properties.get("name")))), None
    )
    axis = (
        f"axis {quote(name)} (ne_id {feature.ne_id})"
        if name
        else f"axis {feature.ne_id}"
    )
    return Problem(feature.position, f"{why}; {axis} skipped", fatal=False)


def _agreed(key: str, group: list[_Feature], problems: list[Problem]) -> str | None:
    """The first text value of `key`; later features that differ are reported."""
    kept: tuple[str, int] | None = None
    for feature in group:
        value = _text_property(feature, key, problems)
        if value is None:
            continue
        if kept is None:
            kept = (value, feature.position)
        elif value != kept[0]:
            problems.append(
                Problem(
                    feature.position,
                    f"{key} {quote(value)} differs from {quote(kept[0])} of "
                    f"feature {kept[1]}, the same axis; {quote(kept[0])} kept",
                    fatal=False,
                )
            )
    return None if kept is None else kept[0]


def _text_property(feature: _Feature, key: str, problems: list[Problem]) -> str | None:
    value = feature.properties.get(key)
    text = storable(value)
    if text is None and not blank(value):
        problems.append(
            Problem(
                feature.position, f"{key} {show(value)} is not text; ignored", False
            )
        )
    return text


def _all_names(group: list[_Feature], problems: list[Problem]) -> tuple[str, ...]:
    """Every name the axis is known by; ``name`` itself is checked by `_agreed`."""
    names: set[str] = set()
    for feature in group:
        for key, value in feature.names():
            text = storable(value)
            if text is not None:
                names.add(text)
            elif key != "name" and not blank(value):
                problems.append(
                    Problem(
                        feature.position,
                        f"{key} {show(value)} is not text; ignored",
                        fatal=False,
                    )
                )
    return tuple(sorted(names))
