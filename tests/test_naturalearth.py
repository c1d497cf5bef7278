"""The Natural Earth river centre line parser on the real file and its faults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gemma_tui.kinds.naturalearth import Axis, AxisFile, parse_axes
from tests.rivers import DANUBE, DONAU, RIVERS, collection, feature

GREAT_BEAR = 1159117577


def real(names: list[str] | None = None) -> AxisFile:
    return parse_axes(RIVERS.read_bytes(), names)


def by_id(found: AxisFile) -> dict[int, Axis]:
    return {axis.ne_id: axis for axis in found.axes}


def messages(found: AxisFile) -> list[tuple[int, str, bool]]:
    return [(p.line, p.message, p.fatal) for p in found.problems]


# --- the real file -----------------------------------------------------------


def test_the_real_file_has_463_axes_from_478_features() -> None:
    """Features that share an ne_id make one axis; one Loire feature is empty."""
    found = real()
    assert not found.failed
    assert found.features == 478
    assert len(found.axes) == 463
    assert sum(axis.vertices for axis in found.axes) == 25751
    assert messages(found) == [
        (461, "geometry is an empty MultiLineString; it adds no line", False)
    ]
    axes = by_id(found)
    assert axes[GREAT_BEAR].features == (450, 451, 452, 453, 454, 455)
    assert len(axes[GREAT_BEAR].lines) == 8
    assert axes[GREAT_BEAR].name is None
    assert "Great Bear" in axes[GREAT_BEAR].names
    assert axes[1159129677].name == "Loire"
    assert axes[1159129677].features == (461, 462)


@pytest.mark.parametrize("asked", ["Danube", "Donau", "  danube ", "DUNA"])
def test_either_danube_name_finds_both_danube_axes(asked: str) -> None:
    """The Danube is two objects, "Donau" and "Danube"; any of its names in
    any language the file gives finds both."""
    found = real([asked])
    assert messages(found) == []
    assert found.matches == {asked: (DANUBE, DONAU)}
    danube, donau = found.axes
    assert (danube.name, donau.name) == ("Danube", "Donau")
    assert danube.wikidata == donau.wikidata == "Q1653"
    assert danube.feature_class == "River"
    # Donau runs from the Black Forest to the Danube's first vertex.
    assert donau.bbox[0] == pytest.approx(8.22, abs=0.01)
    assert donau.bbox[2] == danube.bbox[0]
    assert 2000 < danube.length_km + donau.length_km < 3000


def test_the_geometry_is_a_multilinestring_of_the_lines() -> None:
    donau = by_id(real(["Donau"]))[DONAU]
    geometry = json.loads(json.dumps(donau.geometry()))
    assert geometry["type"] == "MultiLineString"
    assert [len(line) for line in geometry["coordinates"]] == [
        len(line) for line in donau.lines
    ]
    assert sum(len(line) for line in geometry["coordinates"]) == donau.vertices


def test_a_name_that_finds_nothing_is_a_warning() -> None:
    found = real(["Danube", "Atlantis"])
    assert not found.failed
    assert len(found.axes) == 2
    assert messages(found) == [
        (0, "no axis is named 'Atlantis'; none imported for it", False)
    ]
    assert found.matches["Atlantis"] == ()


def test_names_that_find_nothing_fail() -> None:
    found = real(["Atlantis", "Eridanus"])
    assert found.failed
    assert found.axes == ()
    assert messages(found) == [
        (
            0,
            "no axis is named 'Atlantis' or 'Eridanus'; import stops, nothing staged",
            True,
        )
    ]


# --- faults of the whole file -----------------------------------------------


TRUNCATED = RIVERS.read_bytes()[:800_000]
FILE_FAULTS = [
    (b"", "file is not JSON"),
    (b"\xff\xfe{}", "file is not UTF-8"),
    (TRUNCATED, "file is not JSON"),
    (b"[" * 100_000, "nested too deeply"),
    (b"[1, 2]", "JSON holds an array, not a GeoJSON FeatureCollection"),
    (json.dumps(feature()).encode(), "JSON holds 'Feature', not a GeoJSON"),
    (collection(), "has no features to import"),
    (b'{"type": "FeatureCollection", "features": {}}', "has no features"),
    (
        collection(feature(), crs={"properties": {"name": "EPSG:3857"}}),
        "coordinates are in 'EPSG:3857', not WGS 84 longitude/latitude",
    ),
    (collection(feature(), crs={"type": "name"}), "crs is given but names no"),
    (collection(feature(geometry={"type": "Point"})), "no axis could be read"),
]


@pytest.mark.parametrize(("raw", "words"), FILE_FAULTS)
def test_a_fault_of_the_whole_file_is_fatal(raw: bytes, words: str) -> None:
    found = parse_axes(raw)
    assert found.failed
    assert found.axes == ()
    fatal = [p for p in found.problems if p.fatal]
    assert len(fatal) == 1
    assert words in fatal[0].message
    assert fatal[0].message.endswith("import stops, nothing staged")


def test_a_wgs84_crs_and_a_byte_order_mark_are_accepted() -> None:
    crs = {"type": "name", "properties": {"name": "EPSG:4326"}}
    found = parse_axes(b"\xef\xbb\xbf" + collection(feature(), crs=crs))
    assert messages(found) == []
    assert len(found.axes) == 1


# --- faults of one feature ---------------------------------------------------

GOOD_LINE = {"type": "LineString", "coordinates": [[10, 47], [11, 48]]}


def line_of(*positions: Any) -> dict[str, Any]:
    return {"type": "MultiLineString", "coordinates": [list(positions)]}


SKIPPED = [
    (42, "entry is a number, not a GeoJSON Feature; skipped"),
    ({"type": "Point"}, "entry is 'Point', not a GeoJSON Feature; skipped"),
    (
        {"type": "Feature", "properties": None, "geometry": GOOD_LINE},
        "feature has no properties, so no ne_id; skipped",
    ),
    (feature(ne_id=None), "feature has no ne_id; skipped"),
    (feature(ne_id="7"), "feature has ne_id '7', not a positive whole number"),
    (feature(ne_id=True), "feature has ne_id 'true', not a positive whole"),
    (feature(ne_id=-7), "feature has ne_id '-7', not a positive whole number"),
    (feature(ne_id=2**63), "not a positive whole number; skipped"),
    (feature(ne_id=7.5), "feature has ne_id '7.5', not a positive whole"),
    (
        feature(ne_id=7, geometry={"type": "Point", "coordinates": [1, 2]}),
        "geometry is 'Point', not a LineString or MultiLineString; axis 'Alpha'"
        " (ne_id 7) skipped",
    ),
    (
        feature(ne_id=7, geometry="LINESTRING (1 2, 3 4)"),
        "geometry is a string, not an object; axis 'Alpha' (ne_id 7) skipped",
    ),
    (
        feature(ne_id=7, geometry={"type": "MultiLineString", "coordinates": 3}),
        "MultiLineString coordinates are a number; axis 'Alpha' (ne_id 7) skipped",
    ),
    (
        feature(ne_id=7, geometry=line_of([10, 47], [200, 48])),
        "position 2 of line 1, '[200, 48]', is not a longitude and latitude",
    ),
    (
        feature(ne_id=7, geometry=line_of([10, 47], [10, -91])),
        "position 2 of line 1, '[10, -91]', is not a longitude and latitude",
    ),
    (
        feature(ne_id=7, geometry=line_of([10, 47], ["11", "48"])),
        'position 2 of line 1 is \'["11", "48"]\', not [longitude, latitude]',
    ),
    (
        feature(ne_id=7, geometry=line_of([10, 47], [11])),
        "position 2 of line 1 is '[11]', not [longitude, latitude]",
    ),
    (
        feature(ne_id=7, geometry=line_of([10, 47], [11, 48, 1, 2])),
        "position 2 of line 1 is '[11, 48, 1, 2]', not [longitude, latitude]",
    ),
    (
        feature(ne_id=7, geometry=line_of([10, 47], [True, 48])),
        "position 2 of line 1 is '[true, 48]', not [longitude, latitude]",
    ),
    (
        feature(ne_id=7, geometry={"type": "MultiLineString", "coordinates": [7]}),
        "line 1 is a number, not an array of positions; axis 'Alpha' (ne_id 7)",
    ),
]


@pytest.mark.parametrize(("entry", "words"), SKIPPED)
def test_a_feature_that_cannot_be_read_is_skipped(entry: Any, words: str) -> None:
    """One warning at the feature's position; the other axes are kept."""
    found = parse_axes(collection(feature(ne_id=1), entry, feature(ne_id=3)))
    assert [axis.ne_id for axis in found.axes] == [1, 3]
    assert len(found.problems) == 1
    problem = found.problems[0]
    assert (problem.line, problem.fatal) == (2, False)
    assert words in problem.message


def test_nan_is_not_a_coordinate() -> None:
    """Python's JSON reader accepts NaN, GeoJSON does not."""
    raw = collection(feature(ne_id=1)).replace(b"[11, 48]", b"[NaN, 48]")
    found = parse_axes(raw)
    assert found.failed
    skipped, fatal = found.problems[1], found.problems[0]
    assert skipped.line == 1
    assert "position 2 of line 1, '[NaN, 48]', is not a longitude" in skipped.message
    assert fatal.message == "no axis could be read; import stops, nothing staged"


def test_one_bad_feature_skips_its_whole_axis() -> None:
    """Staging part of an axis would replace all of it on acceptance."""
    bad = feature(ne_id=1, geometry=line_of([10, 47], [11, 95]))
    found = parse_axes(collection(feature(ne_id=1), bad, feature(ne_id=2)))
    assert [axis.ne_id for axis in found.axes] == [2]
    assert messages(found) == [
        (
            2,
            "position 2 of line 1, '[11, 95]', is not a longitude and latitude;"
            " axis 'Alpha' (ne_id 1) skipped",
            False,
        )
    ]


def test_too_short_lines_and_empty_features_are_dropped() -> None:
    geometry = {
        "type": "MultiLineString",
        "coordinates": [[[10, 47]], [[10, 47], [11, 48]], []],
    }
    found = parse_axes(
        collection(
            feature(ne_id=1, geometry=geometry),
            {"type": "Feature", "properties": {"ne_id": 1}, "geometry": None},
        )
    )
    assert messages(found) == [
        (1, "line 1 has 1 position(s), too few; line dropped", False),
        (1, "line 3 has 0 position(s), too few; line dropped", False),
        (2, "feature has no geometry (null); it adds no line", False),
    ]
    (axis,) = found.axes
    assert axis.lines == (((10.0, 47.0), (11.0, 48.0)),)
    assert axis.features == (1, 2)


def test_an_axis_without_any_line_is_skipped() -> None:
    found = parse_axes(
        collection(feature(ne_id=1, geometry=line_of([10, 47])), feature(ne_id=2))
    )
    assert [axis.ne_id for axis in found.axes] == [2]
    assert messages(found)[-1] == (
        1,
        "no line of two or more positions; axis 'Alpha' (ne_id 1) skipped",
        False,
    )


def test_an_altitude_is_dropped() -> None:
    found = parse_axes(collection(feature(geometry=line_of([10, 47, 300], [11, 48]))))
    assert messages(found) == []
    assert found.axes[0].lines == (((10.0, 47.0), (11.0, 48.0)),)


def test_features_of_one_axis_that_disagree_keep_the_first() -> None:
    found = parse_axes(
        collection(feature(ne_id=1, name="Alpha"), feature(ne_id=1, name="Beta"))
    )
    assert messages(found) == [
        (
            2,
            "name 'Beta' differs from 'Alpha' of feature 1, the same axis;"
            " 'Alpha' kept",
            False,
        )
    ]
    (axis,) = found.axes
    assert axis.name == "Alpha"
    assert axis.names == ("Alpha", "Beta")
    assert len(axis.lines) == 2


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("name", 42, "42"),
        ("name", "Al\u0000pha", "Al\\x00pha"),
        ("name_de", "\ud800", "\\xd800"),
        ("featurecla", ["River"], "an array"),
    ],
)
def test_a_property_that_is_not_text_is_ignored(
    key: str, value: Any, shown: str
) -> None:
    entry = feature()
    entry["properties"][key] = value
    found = parse_axes(collection(entry))
    assert len(found.axes) == 1
    (problem,) = found.problems
    assert (problem.line, problem.fatal) == (1, False)
    assert problem.message.startswith(f"{key} ")
    assert problem.message.endswith(" is not text; ignored")
    assert shown in problem.message
