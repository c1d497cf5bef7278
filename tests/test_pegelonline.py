"""The PEGELONLINE station list parser on the real list and its faults."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from gemma_tui.kinds.pegelonline import Station, StationList, parse_stations
from tests.conftest import DATA as SHARED_DATA

DATA = SHARED_DATA / "stations"
GOOD = DATA / "pegelonline_stations_2014-04-24.json"
BAD = DATA / "pegelonline_stations_bad.json"


def good() -> StationList:
    return parse_stations(GOOD.read_bytes())


def entries() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(GOOD.read_bytes())
    return data


def parse_entries(items: list[Any]) -> StationList:
    return parse_stations(json.dumps(items).encode())


def by_number(stations: StationList) -> dict[str, Station]:
    return {station.number: station for station in stations.stations}


# --- the real list -----------------------------------------------------------


def test_real_list_has_605_stations_and_no_problems() -> None:
    stations = good()
    assert stations.problems == ()
    assert not stations.failed
    assert len(stations.stations) == 605
    assert [station.index for station in stations.stations] == list(range(605))


def test_repeated_names_are_kept_keyed_on_number() -> None:
    stations = by_number(good())
    assert len(stations) == 605
    names = [station.shortname for station in stations.values()]
    assert names.count("NEUSTADT") == 2
    assert names.count("NIENBURG") == 2


def test_fields_of_the_first_station() -> None:
    assert good().stations[0] == Station(
        number="48900237",
        shortname="EITZE",
        longname="EITZE",
        water="ALLER",
        km=9.56,
        longitude=9.27676943537587,
        latitude=52.90406541008721,
        agency="WSA VERDEN",
        index=0,
    )


def test_danube_stations_and_missing_coordinates() -> None:
    stations = good().stations
    assert sum(1 for station in stations if station.water == "DONAU") == 25
    # 15 stations lack coordinates, 5 lack an agency; both are normal.
    assert sum(1 for station in stations if station.latitude is None) == 15
    assert sum(1 for station in stations if station.agency is None) == 5


def test_numbers_keep_leading_zeros() -> None:
    assert "0610" in by_number(good())


def test_water_is_the_long_name() -> None:
    stations = good().stations
    assert "BERLIN-SPANDAUER-SCHIFFFAHRTSKANAL" in {s.water for s in stations}


# --- the damaged list --------------------------------------------------------


def test_bad_list_faults_are_each_detected_and_handled() -> None:
    stations = parse_stations(BAD.read_bytes())
    assert not stations.failed
    assert [(p.line, p.fatal) for p in stations.problems] == [
        (1, False),
        (2, False),
        (3, False),
    ]
    km, swapped, duplicate = (p.message for p in stations.problems)
    assert km == "km given as text '2201,83'; read as 2201.83"
    assert "swapped" in swapped and swapped.endswith("swapped back")
    assert "position 3" in duplicate and "position 1" in duplicate
    assert duplicate.endswith("this station skipped")


def test_bad_list_stations_after_repair() -> None:
    eitze, rethem = parse_stations(BAD.read_bytes()).stations
    assert (eitze.number, eitze.km, eitze.index) == ("48900237", 2201.83, 0)
    assert (rethem.latitude, rethem.longitude) == (
        52.78909755467678,
        9.382840810129357,
    )


# --- further faults ----------------------------------------------------------


def test_station_without_number_is_skipped() -> None:
    items = entries()[:3]
    del items[1]["number"]
    stations = parse_entries(items)
    (problem,) = stations.problems
    assert (problem.line, problem.fatal) == (2, False)
    assert "'RETHEM' has no number; skipped" in problem.message
    assert [station.index for station in stations.stations] == [0, 2]


def test_text_the_database_cannot_store_is_unreadable() -> None:
    items = entries()[:2]
    items[0]["number"] = "489\x0000237"
    items[1]["agency"] = "WSA \ud800"
    stations = parse_entries(items)
    assert [p.line for p in stations.problems] == [1, 2]
    assert stations.problems[0].message.endswith("not text; skipped")
    assert stations.problems[1].message.endswith("not text; agency left empty")
    assert stations.problems[1].message.isprintable()
    (station,) = stations.stations
    assert (station.number, station.agency) == ("48900204", None)


@pytest.mark.parametrize(
    "hostile",
    ["\x1b]0;title\x07X", "A\x1bcB", "A\x9b2JB", "A\nFAKE", "RIGHT\u202eLEFT"],
)
def test_names_that_could_act_on_a_terminal_are_not_staged(hostile: str) -> None:
    """Escape sequences, line breaks and bidi overrides make a name not text:
    the other name stands in, or the optional field is left empty, each with
    a problem whose message is printable; the hostile text is staged nowhere."""
    items = entries()[:3]
    items[0]["shortname"] = hostile
    items[1]["agency"] = hostile
    stations = parse_entries(items)
    assert [p.line for p in stations.problems] == [1, 2]
    assert all(p.message.isprintable() for p in stations.problems)
    first, second, _ = stations.stations
    assert first.shortname == first.longname == items[0]["longname"]
    assert second.agency is None


def test_number_given_as_json_number_is_skipped() -> None:
    items = entries()[:2]
    items[0]["number"] = 48900237
    stations = parse_entries(items)
    assert "not text; skipped" in stations.problems[0].message
    assert len(stations.stations) == 1


def test_one_coordinate_only_leaves_both_empty() -> None:
    items = entries()[:1]
    del items[0]["latitude"]
    stations = parse_entries(items)
    assert stations.stations[0].longitude is None
    assert stations.problems[0].message.endswith("both left empty")


def test_coordinates_outside_the_area_are_kept_with_a_warning() -> None:
    items = entries()[:1]
    items[0]["latitude"], items[0]["longitude"] = 48.2, 16.4  # Vienna
    stations = parse_entries(items)
    assert stations.stations[0].longitude == 16.4
    assert stations.problems[0].message.endswith("kept as given")


def test_unreadable_km_is_left_empty() -> None:
    items = entries()[:1]
    items[0]["km"] = "zwei"
    stations = parse_entries(items)
    assert stations.stations[0].km is None
    assert stations.problems[0].message == "km 'zwei' is not a number; km left empty"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"\xff\xfe[]", "not UTF-8"),
        (b"[{", "not JSON"),
        (b'{"number": "1"}', "an object, not an array"),
        (b"[]", "empty"),
        (b"[" * 100_000, "JSON"),
        (b"", "not JSON"),
    ],
)
def test_file_faults_are_fatal(raw: bytes, words: str) -> None:
    stations = parse_stations(raw)
    assert stations.failed
    assert stations.stations == ()
    (problem,) = stations.problems
    assert problem.line == 0
    assert words in problem.message
    assert problem.message.endswith("import stops, nothing staged")


# --- robustness --------------------------------------------------------------


def assert_consistent(stations: StationList) -> None:
    if stations.failed:
        assert stations.stations == ()
    numbers = [station.number for station in stations.stations]
    assert len(numbers) == len(set(numbers))
    for problem in stations.problems:
        assert problem.message.isprintable()


def test_truncations_never_raise() -> None:
    raw = BAD.read_bytes()
    for end in random.Random(300).sample(range(len(raw)), 200):
        assert_consistent(parse_stations(raw[:end]))


def test_random_bytes_never_raise() -> None:
    chance = random.Random(301)
    for _ in range(300):
        assert_consistent(parse_stations(chance.randbytes(chance.randrange(0, 200))))


ODD_VALUES: list[Any] = [None, True, 0, -1.5, 10**400, "", " ", "x", [], {}, [[1]]]


def test_odd_field_values_never_raise() -> None:
    chance = random.Random(302)
    template = entries()[0]
    for _ in range(300):
        item = {
            key: chance.choice([*ODD_VALUES, value]) for key, value in template.items()
        }
        items: list[Any] = [item, chance.choice(ODD_VALUES), template]
        assert_consistent(parse_entries(items))


def test_nan_and_infinity_are_not_numbers() -> None:
    raw = b'[{"number": "1", "shortname": "A", "km": NaN, "latitude": Infinity}]'
    stations = parse_stations(raw)
    assert stations.stations[0].km is None
    assert stations.stations[0].latitude is None
