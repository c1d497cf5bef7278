"""Wrapping a log line: by terminal cells, under its message, folding what
no space breaks."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console

from gemma_tui.ui.wrapping import MIN_WRAP, wrapped

CONSOLE = Console(width=200)
HEAD = "09:29:00 #6 warn  "


def squeezed(lines: list[str]) -> str:
    """The text without its spaces: what wrapping must keep."""
    return "".join(lines).replace(" ", "")


def test_a_line_that_fits_stays_whole() -> None:
    line = HEAD + "short"
    assert wrapped(line, len(line), CONSOLE) == [line]
    assert wrapped(line, 0, CONSOLE) == [line]


def test_wide_characters_count_two_cells() -> None:
    line = HEAD + "東京 " * 20
    lines = wrapped(line, 50, CONSOLE)
    assert len(lines) > 1
    assert all(cell_len(part) <= 50 for part in lines)
    assert all(part.startswith(" " * len(HEAD)) for part in lines[1:])
    assert squeezed(lines) == squeezed([line])


def test_a_word_longer_than_the_room_is_folded() -> None:
    path = "/srv/imports/" + "x" * 70 + ".asc"
    lines = wrapped(HEAD + path, 50, CONSOLE)
    assert len(lines) > 1
    assert all(cell_len(part) <= 50 for part in lines)
    assert squeezed(lines) == squeezed([HEAD + path])


def test_too_narrow_for_the_hanging_indent_goes_on_two_cells_in() -> None:
    width = len(HEAD) + MIN_WRAP - 1
    lines = wrapped(HEAD + "word " * 20, width, CONSOLE)
    assert all(part.startswith("  ") and part[2] != " " for part in lines[1:])
    assert all(cell_len(part) <= width for part in lines)


def test_tabs_become_the_spaces_a_log_draws() -> None:
    line = HEAD + "a\tb\t" * 12
    lines = wrapped(line, 60, CONSOLE)
    assert not any("\t" in part for part in lines)
    assert all(cell_len(part) <= 60 for part in lines)
    assert squeezed(lines) == squeezed([line.expandtabs()])


def test_too_narrow_to_wrap_loses_nothing() -> None:
    line = HEAD + "漢字" * 10
    for width in range(4):
        assert wrapped(line, width, CONSOLE) == [line]
    assert squeezed(wrapped(line, 4, CONSOLE)) == squeezed([line])
