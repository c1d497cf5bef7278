"""The viadonau ASC parser on real exports, upstream test files and faults."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gemma_tui.kinds.asc import AscExport, Problem, Value, parse_asc
from tests.conftest import DATA as SHARED_DATA

DATA = SHARED_DATA / "gauges"
EXPORTS = sorted((DATA / "viadonau_asc").glob("2022*.asc"))
UPSTREAM = DATA / "viadonau_asc" / "upstream_test_resources"
MALFORMED = DATA / "malformed"
FIRST = DATA / "viadonau_asc" / "20220516062300.asc"


def parse(path: Path) -> AscExport:
    return parse_asc(path.read_bytes())


def only_problem(export: AscExport) -> Problem:
    assert len(export.problems) == 1, export.problems
    return export.problems[0]


def assert_fatal(export: AscExport, line: int, *words: str) -> None:
    problem = only_problem(export)
    assert (problem.line, problem.fatal) == (line, True)
    assert export.failed
    assert export.values == ()
    assert "import stops, nothing staged" in problem.message
    for word in words:
        assert word in problem.message


def assert_skipped(export: AscExport, line: int, *words: str) -> None:
    problem = only_problem(export)
    assert (problem.line, problem.fatal) == (line, False)
    assert not export.failed
    assert problem.message.endswith("skipped")
    assert line not in {value.line for value in export.values}
    for word in words:
        assert word in problem.message


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").splitlines()


def counted(path: Path) -> tuple[int, int, int, int]:
    """(values, gaps, gauges, series) by plain line counting, not by parsing."""
    lines = lines_of(path)
    values = sum(1 for line in lines if re.match(r"\d\d\.\d\d\.\d{4} ", line))
    gaps = sum(1 for line in lines if line.endswith(" RWLuecke"))
    gauges = {line for line in lines if line.startswith("Ort: ")}
    series = sum(1 for line in lines if line == "BEGIN")
    return values, gaps, len(gauges), series


def figures(export: AscExport) -> tuple[int, int, int, int]:
    gaps = sum(1 for value in export.values if value.value is None)
    gauges = {value.gauge for value in export.values}
    series = {(value.gauge, value.parameter) for value in export.values}
    return len(export.values), gaps, len(gauges), len(series)


# --- real exports ------------------------------------------------------------


def test_there_are_fifteen_real_exports() -> None:
    assert len(EXPORTS) == 15


@pytest.mark.parametrize("path", EXPORTS, ids=lambda path: path.name)
def test_real_export_parses_without_problems(path: Path) -> None:
    export = parse(path)
    assert export.problems == ()
    assert not export.failed
    assert figures(export) == counted(path)


def test_first_export_figures_verified_by_hand() -> None:
    # Verified with: iconv -f latin1 FILE | awk '/^BEGIN$/{b++} /^Ort: /{o[$2]=1}
    # /^[0-9][0-9]\./{v++} /RWLuecke$/{g++}' -> 6 blocks (one series each),
    # 3 gauges, 588 value lines, 21 of them RWLuecke.
    assert figures(parse(FIRST)) == (588, 21, 3, 6)


def test_all_exports_together() -> None:
    # Same awk count over `cat 2022*.asc`: 8874 value lines, 390 RWLuecke, 90 BEGIN.
    exports = [parse(path) for path in EXPORTS]
    assert sum(len(export.values) for export in exports) == 8874
    assert sum(figures(export)[1] for export in exports) == 390
    assert sum(figures(export)[3] for export in exports) == 90


def test_series_of_first_export() -> None:
    series = {(v.gauge, v.parameter, v.unit) for v in parse(FIRST).values}
    assert series == {
        ("10001033", "Wasserstand", "cm"),
        ("10001030", "Abfluss", "m³/s"),
        ("10001030", "WasserstandAbs", "m ü.A."),
        ("10001423", "Abfluss", "m³/s"),
        ("10001423", "WTemperatur", "°C"),
        ("10001423", "Wasserstand", "cm"),
    }


def value_at(export: AscExport, line: int) -> Value:
    return next(value for value in export.values if value.line == line)


def test_litres_per_second_become_cubic_metres_and_local_time_becomes_utc() -> None:
    assert lines_of(FIRST)[359] == "Einheit: l/s"
    assert lines_of(FIRST)[367] == "15.05.2022 07:00:00 1609"
    assert value_at(parse(FIRST), 368) == Value(
        gauge="10001423",
        parameter="Abfluss",
        unit="m³/s",
        measured=datetime(2022, 5, 15, 6, 0, tzinfo=UTC),
        value=1.609,
        line=368,
    )


def test_cubic_metres_stay_as_written() -> None:
    assert lines_of(FIRST)[136] == "15.05.2022 07:00:00 156.06224"
    assert value_at(parse(FIRST), 137).value == 156.06224


def test_utc_offset_is_configurable() -> None:
    export = parse_asc(FIRST.read_bytes(), utc_offset=timedelta(0))
    assert value_at(export, 368).measured == datetime(2022, 5, 15, 7, 0, tzinfo=UTC)


def test_rwluecke_is_a_gap_not_zero() -> None:
    assert lines_of(FIRST)[459] == "16.05.2022 06:00:00 RWLuecke"
    gap = value_at(parse(FIRST), 460)
    assert gap.value is None
    assert gap.measured == datetime(2022, 5, 16, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", EXPORTS, ids=lambda path: path.name)
def test_no_value_is_later_than_the_export(path: Path) -> None:
    # The file name is the export time in UTC; in UTC+1 the newest value of
    # each export lies within the quarter hour before it.
    exported = datetime.strptime(path.stem, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    newest = max(value.measured for value in parse(path).values)
    assert exported - timedelta(minutes=15) <= newest <= exported


# --- upstream test resources -------------------------------------------------


def test_upstream_single_entry_has_no_final_line_end_and_parses() -> None:
    path = UPSTREAM / "SingleEntry.asc"
    assert not path.read_bytes().endswith(b"\n")
    export = parse(path)
    assert export.problems == ()
    assert figures(export) == (99, 0, 1, 1)


def test_upstream_blank_lines_are_ignored_with_one_warning() -> None:
    export = parse(UPSTREAM / "BlankLines.asc")
    problem = only_problem(export)
    assert (problem.line, problem.fatal) == (1, False)
    assert problem.message == "5 blank line(s), first at line 1; ignored"
    assert len(export.values) == 99


def test_upstream_value_error_skips_the_line() -> None:
    export = parse(UPSTREAM / "ValueError.asc")
    assert_skipped(export, 38, "'INVALID LINE!'", "neither a value nor a header")
    assert len(export.values) == 99


def test_upstream_general_error_is_a_bad_header() -> None:
    assert_fatal(parse(UPSTREAM / "GeneralError.asc"), 18, "'ERROR HERE:'")


def test_upstream_multiple_entries_lost_its_encoding() -> None:
    # Upstream re-encoded this file: ³ and ü became U+FFFD, stored as UTF-8.
    path = UPSTREAM / "MultipleEntries.asc"
    assert b"\xef\xbf\xbd" in path.read_bytes()
    assert_fatal(parse(path), 129, "replacement character")


def test_upstream_lone_begin_is_an_incomplete_block() -> None:
    assert_fatal(parse(UPSTREAM / "Begin.asc"), 1, "before its 'Werte:' line")


def test_upstream_empty_file_fails() -> None:
    assert_fatal(parse(UPSTREAM / "EMPTY_examples_data_20220516062300.asc"), 0, "empty")


# --- malformed files: one fault each -----------------------------------------


def test_crlf_is_read_with_one_warning() -> None:
    export = parse(MALFORMED / "asc_crlf.asc")
    problem = only_problem(export)
    assert (problem.line, problem.fatal) == (0, False)
    assert "CRLF" in problem.message and "read as LF" in problem.message
    assert export.values == parse(FIRST).values


def test_truncated_tail_skips_the_last_line() -> None:
    export = parse(MALFORMED / "asc_truncated_tail.asc")
    assert_skipped(export, 697, "'16.0'", "incomplete", "without a line end")
    assert figures(export) == (587, 20, 3, 6)


def test_truncated_value_skips_the_line() -> None:
    export = parse(MALFORMED / "asc_truncated_value.asc")
    assert_skipped(export, 23, "'15.05.2022 07:45:00'", "no value")
    assert figures(export) == (587, 21, 3, 6)


def test_unknown_unit_fails() -> None:
    export = parse(MALFORMED / "asc_unknown_unit.asc")
    assert_fatal(export, 11, "unit 'inch'", "Wasserstand", "'cm'")


def test_duplicate_timestamp_with_different_values_drops_both() -> None:
    export = parse(MALFORMED / "asc_duplicate_timestamp.asc")
    assert_skipped(export, 26, "15.05.2022 08:15:00", "334 cm at line 25", "999 cm")
    assert "both lines skipped" in export.problems[0].message
    assert 25 not in {value.line for value in export.values}
    assert figures(export) == (587, 21, 3, 6)


def test_nul_byte_fails() -> None:
    assert_fatal(parse(MALFORMED / "asc_nul_byte.asc"), 22, "NUL byte", "column 23")


def test_impossible_date_skips_the_line() -> None:
    export = parse(MALFORMED / "asc_impossible_date.asc")
    assert_skipped(export, 20, "impossible date", "'31.04.2022 07:00:00'")
    assert figures(export) == (587, 21, 3, 6)


def test_header_after_values_without_begin_fails() -> None:
    export = parse(MALFORMED / "asc_missing_begin.asc")
    assert_fatal(export, 118, "'Parameter: Abfluss'", "without a BEGIN")


def test_missing_gauge_number_fails() -> None:
    assert_fatal(parse(MALFORMED / "asc_missing_ort.asc"), 1, "no gauge number")


# --- further faults, built from the first export -----------------------------


def first_with(old: bytes, new: bytes) -> bytes:
    raw = FIRST.read_bytes()
    assert old in raw
    return raw.replace(old, new, 1)


def test_identical_repeat_is_dropped_with_a_warning() -> None:
    line = b"15.05.2022 08:15:00 334\n"
    export = parse_asc(first_with(line, line + line))
    problem = only_problem(export)
    assert (problem.line, problem.fatal) == (26, False)
    assert "repeats line 25" in problem.message
    assert problem.message.endswith("repeat ignored")
    assert figures(export) == (588, 21, 3, 6)


def test_utf8_file_fails() -> None:
    raw = FIRST.read_bytes().decode("latin-1").encode("utf-8")
    assert_fatal(parse_asc(raw), 11 + 117, "UTF-8")


def test_unknown_parameter_fails() -> None:
    export = parse_asc(first_with(b"Parameter: Wasserstand", b"Parameter: Pegel"))
    assert_fatal(export, 2, "parameter 'Pegel'")


def test_unknown_header_key_is_a_warning() -> None:
    export = parse_asc(first_with(b"DefArt: M\n", b"DefArt: M\nNeu: 1\n"))
    assert only_problem(export).message == "unknown header key 'Neu'; ignored"
    assert len(export.values) == 588


def test_repeated_header_key_fails() -> None:
    export = parse_asc(first_with(b"DefArt: M\n", b"Ort: 1\n"))
    assert_fatal(export, 4, "'Ort' given twice")


def test_non_number_value_is_skipped() -> None:
    export = parse_asc(first_with(b"07:00:00 335\n", b"07:00:00 3,35\n"))
    assert_skipped(export, 20, "'3,35'", "neither a number nor RWLuecke")


def test_stray_carriage_return_fails() -> None:
    assert_fatal(parse_asc(first_with(b"335\n", b"3\r35\n")), 20, "carriage return")


def test_text_before_begin_fails() -> None:
    assert_fatal(parse_asc(b"Hallo\n" + FIRST.read_bytes()), 1, "before the first")


def test_problem_messages_are_single_lines() -> None:
    for path in sorted(MALFORMED.glob("*.asc")) + sorted(UPSTREAM.glob("*.asc")):
        for problem in parse(path).problems:
            assert problem.message.isprintable(), problem


# --- robustness --------------------------------------------------------------


def assert_consistent(export: AscExport) -> None:
    assert all(isinstance(problem, Problem) for problem in export.problems)
    if export.failed:
        assert export.values == ()
    for value in export.values:
        assert value.measured.tzinfo is UTC
        assert value.unit in {"cm", "m ü.A.", "m³/s", "°C"}


def test_truncations_never_raise() -> None:
    raw = FIRST.read_bytes()
    for end in random.Random(200).sample(range(len(raw)), 200):
        assert_consistent(parse_asc(raw[:end]))


def test_random_bytes_never_raise() -> None:
    chance = random.Random(201)
    for _ in range(300):
        assert_consistent(parse_asc(chance.randbytes(chance.randrange(0, 400))))


def test_random_damage_never_raises() -> None:
    raw = FIRST.read_bytes()
    chance = random.Random(202)
    for _ in range(200):
        damaged = bytearray(raw)
        for _ in range(chance.randrange(1, 6)):
            damaged[chance.randrange(len(raw))] = chance.randrange(256)
        assert_consistent(parse_asc(bytes(damaged)))


@pytest.mark.parametrize(
    "raw",
    [
        b"\n\n",
        b"BEGIN\nBEGIN\n",
        b"BEGIN\nWerte:\n",
        b"BEGIN\nParameter: Wasserstand\nOrt: 1\nEinheit: cm\nWerte:\n",
        b"BEGIN\nParameter: Wasserstand\nOrt: 1\nEinheit: cm\nWerte:\n"
        b"01.01.0001 00:00:00 1\n31.12.9999 23:59:59 1e5\n1.1.2022 1:00:00 1\n"
        + b"01.01.2022 00:00:00 "
        + b"9" * 400
        + b"\n",
    ],
)
def test_odd_inputs_never_raise(raw: bytes) -> None:
    assert_consistent(parse_asc(raw))
