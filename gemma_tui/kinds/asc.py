"""viadonau ASC gauge exports: bytes in, values and problems out (no database).

The format, as exported by viadonau's hydrological system:

- ISO-8859-1 text with LF line ends (units such as ``m³/s`` and ``°C`` are
  single bytes; the bytes are never read as UTF-8).
- One or more blocks. A block starts with a ``BEGIN`` line, continues with
  ``Key: value`` header lines (``Parameter``, ``Ort`` = gauge number,
  ``Einheit`` = unit, and descriptive keys that may be absent or carry
  trailing spaces), then ``Werte:`` and value lines
  ``dd.mm.yyyy HH:MM:SS value``. ``RWLuecke`` as the value marks a gap.
- Timestamps carry no zone; they are local time at a fixed offset
  (``utc_offset``, UTC+1 without daylight saving by default) and are
  returned in UTC.

What is done with faults (every fault becomes a `Problem`, nothing raises):

- Fatal, so the result has no values: a file that is empty, not
  ISO-8859-1 (valid UTF-8, or UTF-8 replacement characters left by an
  earlier re-encoding), holds a NUL or other control character, has text
  before the first ``BEGIN``, a header line that is not ``Key: value``,
  a header key twice in one block, a value line before ``Werte:``, a header
  line after values without ``BEGIN``, a block without ``Werte:``, an
  unknown parameter or unit, or no gauge number. Parsing stops at the first
  fatal fault, since what follows it cannot be read with confidence.
- Non-fatal, the line is skipped: a value line that is cut off, has no
  value, an impossible date or time, or a value that is not a number; a
  line in a value list that is neither a value nor a header line. A gauge,
  parameter and time given twice with different values: neither can be
  trusted, so both lines are skipped, with one warning on the later line.
- Non-fatal, nothing is lost: CRLF line ends (one warning for the file),
  blank lines (one warning for the file), an unknown but well-formed header
  key, and a line that repeats an earlier one exactly (same gauge,
  parameter, time and value): the repeat is dropped with a warning, so the
  reviewer sees that the export was not clean.

Problems come in line order, file-wide ones (line 0) first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo

STOP = "import stops, nothing staged"
SKIP = "line skipped"

# parameter -> {unit as written: (unit reported, divisor to reach it)}
UNITS: dict[str, dict[str, tuple[str, float]]] = {
    "Wasserstand": {"cm": ("cm", 1.0)},
    "WasserstandAbs": {"m ü.A.": ("m ü.A.", 1.0)},
    "Abfluss": {"m³/s": ("m³/s", 1.0), "l/s": ("m³/s", 1000.0)},
    "WTemperatur": {"°C": ("°C", 1.0)},
}

# Keys seen in real exports; others are accepted with a warning.
KNOWN_KEYS = frozenset(
    [
        "Parameter",
        "Ort",
        "DefArt",
        "Herkunft",
        "Quelle",
        "Reihenart",
        "Version",
        "X",
        "Y",
        "Einheit",
        "Messgenau",
        "FToleranz",
        "NWGrenze",
        "SubOrt",
        "Kommentar",
        "Hoehe",
        "Hauptreihe",
    ]
)

GAP = "RWLuecke"
_HEADER = re.compile(r"([^\W\d]\w*)\s*:(.*)")
_DATE = re.compile(r"\d\d\.\d\d\.\d{4}", re.ASCII)
_TIME = re.compile(r"\d\d:\d\d:\d\d", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
# Tab, CR without LF, DEL and the C1 range never occur in an export; C1 bytes
# also hint at a Windows-1252 file, which would misread as ISO-8859-1.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {"\x00": "NUL byte", "\t": "tab", "\r": "carriage return (CR)"}
_REPLACEMENT = "\ufffd".encode()


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault and what was done about it.

    `line` is the 1-based line in the file, 0 when the fault is not tied to
    one line. `fatal` means the import must fail and stage nothing.
    """

    line: int
    message: str
    fatal: bool


@dataclass(frozen=True, slots=True)
class Value:
    """One measurement; `value` None is a gap (``RWLuecke``), never 0."""

    gauge: str
    parameter: str
    unit: str
    measured: datetime
    value: float | None
    line: int


@dataclass(frozen=True, slots=True)
class AscExport:
    """What a file holds: `values` is empty whenever `failed`."""

    values: tuple[Value, ...]
    problems: tuple[Problem, ...]

    @property
    def failed(self) -> bool:
        return any(problem.fatal for problem in self.problems)


def parse_asc(raw: bytes, *, utc_offset: timedelta = timedelta(hours=1)) -> AscExport:
    """Parses an export; faults in `raw` become problems, never exceptions.

    Raises ValueError only for a `utc_offset` of a day or more, which is a
    programming error rather than a fault of the file.
    """
    zone = timezone(utc_offset)
    problems: list[Problem] = []
    try:
        lines, unterminated = _decode(raw, problems)
        values = _Parser(zone, problems, unterminated).run(lines)
    except _Fatal as fatal:
        problems.append(fatal.problem)
        return AscExport((), _in_line_order(problems))
    kept = _drop_repeats(values, problems, zone)
    return AscExport(tuple(kept), _in_line_order(problems))


class _Fatal(Exception):
    """Ends parsing; carries the fatal problem."""

    def __init__(self, line: int, what: str) -> None:
        super().__init__(what)
        self.problem = Problem(line, f"{what}; {STOP}", fatal=True)


class _Skip(Exception):
    """Ends the reading of one value line; carries the reason."""


def _in_line_order(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda problem: problem.line))


def quote(text: str, limit: int = 40) -> str:
    """Quotes file text for a one-line message: escaped, shortened."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"'{shown}'"


def _line_of(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


# --- bytes to lines ---------------------------------------------------------


def _decode(raw: bytes, problems: list[Problem]) -> tuple[list[str], int | None]:
    """Lines of the file, and the last line's number if it lacks a line end."""
    if not raw:
        raise _Fatal(0, "file is empty (0 bytes): there is nothing to import")
    _reject_utf8(raw)
    text = _unify_line_ends(raw.decode("latin-1"), problems)
    _reject_controls(text)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
        return lines, None
    return lines, len(lines)


def _reject_utf8(raw: bytes) -> None:
    """Rejects UTF-8, which ISO-8859-1 decoding would turn into wrong units."""
    lost = raw.find(_REPLACEMENT)
    if lost >= 0:
        # ISO-8859-1 maps byte i to character i, so positions carry over.
        line, column = _line_of(raw.decode("latin-1"), lost)
        raise _Fatal(
            line,
            f"UTF-8 replacement character (bytes EF BF BD) at column {column}: "
            "an earlier re-encoding lost the original character (such as ³ or ü)",
        )
    if raw.isascii():
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    first = next(i for i, byte in enumerate(raw) if byte > 0x7F)
    line, _ = _line_of(raw.decode("latin-1"), first)
    raise _Fatal(line, "file is UTF-8 encoded, not ISO-8859-1 as exports are")


def _unify_line_ends(text: str, problems: list[Problem]) -> str:
    count = text.count("\r\n")
    if count:
        problems.append(
            Problem(
                0,
                f"line ends are CRLF (Windows) instead of LF on {count} lines; "
                "read as LF, contents unchanged",
                fatal=False,
            )
        )
    return text.replace("\r\n", "\n")


def _reject_controls(text: str) -> None:
    found = _CONTROL.search(text)
    if found is None:
        return
    char = found.group()
    name = _CONTROL_NAMES.get(char, f"control character U+{ord(char):04X}")
    line, column = _line_of(text, found.start())
    raise _Fatal(
        line, f"{name} at column {column}: the file is damaged or not an export"
    )


# --- lines to values --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Series:
    gauge: str
    parameter: str
    unit: str
    divisor: float


@dataclass(slots=True)
class _Block:
    begin: int
    header: dict[str, tuple[str, int]] = field(default_factory=dict)
    series: _Series | None = None  # set once `Werte:` is read


class _Parser:
    """Reads lines in order; `block` is None before the first BEGIN."""

    def __init__(
        self, zone: tzinfo, problems: list[Problem], unterminated: int | None
    ) -> None:
        self.zone = zone
        self.problems = problems
        self.unterminated = unterminated
        self.block: _Block | None = None
        self.values: list[Value] = []
        self.blank: list[int] = []

    def run(self, lines: list[str]) -> list[Value]:
        for number, text in enumerate(lines, start=1):
            self.read(number, text.strip())
        self.close_block()
        if self.block is None:
            raise _Fatal(0, "file has no BEGIN line: it is not an ASC export")
        self.report_blank_lines()
        return self.values

    def read(self, number: int, text: str) -> None:
        if not text:
            self.blank.append(number)
        elif text == "BEGIN":
            self.close_block()
            self.block = _Block(number)
        elif self.block is None:
            raise _Fatal(number, f"text {quote(text)} before the first BEGIN line")
        elif self.block.series is None:
            self.read_header(self.block, number, text)
        else:
            self.read_value(self.block.series, number, text)

    def close_block(self) -> None:
        if self.block is not None and self.block.series is None:
            raise _Fatal(
                self.block.begin,
                "block ends before its 'Werte:' line: the header is incomplete",
            )

    def report_blank_lines(self) -> None:
        if self.blank:
            what = f"{len(self.blank)} blank line(s), first at line {self.blank[0]}"
            self.problems.append(
                Problem(self.blank[0], f"{what}; ignored", fatal=False)
            )

    def read_header(self, block: _Block, number: int, text: str) -> None:
        match = _HEADER.fullmatch(text)
        if match is None:
            raise _Fatal(number, _not_a_header(text))
        key, value = match.group(1), match.group(2).strip()
        if key == "Werte":
            block.series = _series(block, number, value)
        else:
            self.add_key(block, key, value, number)

    def add_key(self, block: _Block, key: str, value: str, number: int) -> None:
        if key in block.header:
            first = block.header[key][1]
            raise _Fatal(
                number,
                f"header key '{key}' given twice in one block (lines {first} "
                f"and {number}): the block is ambiguous",
            )
        if key not in KNOWN_KEYS:
            self.warn(number, f"unknown header key '{key}'; ignored")
        block.header[key] = (value, number)

    def read_value(self, series: _Series, number: int, text: str) -> None:
        if _HEADER.fullmatch(text):
            raise _Fatal(
                number,
                f"header line {quote(text)} follows values without a BEGIN line: "
                "the block structure is unclear",
            )
        try:
            measured, value = _value_line(text, series.divisor, self.zone)
        except _Skip as skip:
            self.warn(number, f"{self.cut_off(number)}{skip}; {SKIP}")
            return
        self.values.append(
            Value(series.gauge, series.parameter, series.unit, measured, value, number)
        )

    def cut_off(self, number: int) -> str:
        if number == self.unterminated:
            return "last line, without a line end (file cut off?): "
        return ""

    def warn(self, number: int, message: str) -> None:
        self.problems.append(Problem(number, message, fatal=False))


def _not_a_header(text: str) -> str:
    if _DATE.match(text):
        return f"value line {quote(text)} before the block's 'Werte:' line"
    return f"header line {quote(text)} is not 'Key: value'"


def _series(block: _Block, werte_line: int, rest: str) -> _Series:
    """Checks a finished header: the gauge, parameter and unit must be clear."""
    if rest:
        raise _Fatal(werte_line, f"unexpected text {quote(rest)} after 'Werte:'")
    gauge, _ = _required(block, "Ort", "gauge number")
    parameter, line = _required(block, "Parameter", "parameter")
    if parameter not in UNITS:
        known = ", ".join(UNITS)
        raise _Fatal(line, f"unknown parameter {quote(parameter)} (known: {known})")
    unit, divisor = _unit(block, parameter)
    return _Series(gauge, parameter, unit, divisor)


def _required(block: _Block, key: str, what: str) -> tuple[str, int]:
    value, line = block.header.get(key, ("", block.begin))
    if not value:
        raise _Fatal(block.begin, f"block has no {what} ('{key}' missing or empty)")
    return value, line


def _unit(block: _Block, parameter: str) -> tuple[str, float]:
    written, line = _required(block, "Einheit", "unit")
    units = UNITS[parameter]
    if written not in units:
        expected = " or ".join(f"'{unit}'" for unit in units)
        raise _Fatal(
            line,
            f"unit {quote(written)} is not a unit of {parameter} (expected {expected})",
        )
    return units[written]


def _value_line(
    text: str, divisor: float, zone: tzinfo
) -> tuple[datetime, float | None]:
    parts = text.split()
    if not _DATE.fullmatch(parts[0]):
        if text[0].isdigit():
            raise _Skip(f"timestamp in {quote(text)} is incomplete or malformed")
        raise _Skip(f"line {quote(text)} is neither a value nor a header line")
    if len(parts) < 2 or not _TIME.fullmatch(parts[1]):
        raise _Skip(f"timestamp in {quote(text)} is incomplete or malformed")
    if len(parts) == 2:
        raise _Skip(f"value line {quote(text)} has a timestamp and no value")
    if len(parts) > 3:
        raise _Skip(f"value line {quote(text)} has more than one value")
    return _instant(parts[0], parts[1], zone), _number(parts[2], divisor)


def _instant(date: str, time: str, zone: tzinfo) -> datetime:
    try:
        local = datetime.strptime(f"{date} {time}", "%d.%m.%Y %H:%M:%S")
        return local.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Skip(f"impossible date or time '{date} {time}'") from None


def _number(text: str, divisor: float) -> float | None:
    if text == GAP:
        return None
    if not _NUMBER.fullmatch(text):
        raise _Skip(f"value {quote(text)} is neither a number nor {GAP}")
    value = float(text)
    if not math.isfinite(value):
        raise _Skip(f"value {quote(text)} is too large")
    return value / divisor


# --- repeated timestamps ----------------------------------------------------


def _drop_repeats(
    values: list[Value], problems: list[Problem], zone: tzinfo
) -> list[Value]:
    """Keeps one value per gauge, parameter and time, none if they disagree."""
    first: dict[tuple[str, str, datetime], Value] = {}
    disputed: set[tuple[str, str, datetime]] = set()
    for value in values:
        key = _key(value)
        earlier = first.setdefault(key, value)
        if earlier is value:
            continue
        if earlier.value == value.value:
            problems.append(_repeat(earlier, value, zone))
        else:
            disputed.add(key)
            problems.append(_conflict(earlier, value, zone))
    return [
        value
        for value in values
        if first[_key(value)] is value and _key(value) not in disputed
    ]


def _key(value: Value) -> tuple[str, str, datetime]:
    return value.gauge, value.parameter, value.measured


def _where(value: Value, zone: tzinfo) -> str:
    local = value.measured.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")
    return f"{value.parameter} of gauge {value.gauge} at {local}"


def _amount(value: Value) -> str:
    return GAP if value.value is None else f"{value.value:.15g} {value.unit}"


def _repeat(earlier: Value, later: Value, zone: tzinfo) -> Problem:
    return Problem(
        later.line,
        f"{_where(later, zone)} repeats line {earlier.line} with the same value "
        f"({_amount(later)}); repeat ignored",
        fatal=False,
    )


def _conflict(earlier: Value, later: Value, zone: tzinfo) -> Problem:
    return Problem(
        later.line,
        f"{_where(later, zone)} is given twice with different values "
        f"({_amount(earlier)} at line {earlier.line}, {_amount(later)} here): "
        f"neither can be trusted; both lines skipped",
        fatal=False,
    )
