"""Untrusted text made safe to store and show."""

from __future__ import annotations

import pytest

from gemma_tui.text import clean, one_line


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("a\x1b]0;title\x07b", "ab"),
        ("a\x1b[31mred\x1b[0m", "ared"),
        ("a\x1bcb", "ab"),
        ("a\x9b2Jb", "ab"),
        ("a\x00b\x7fc", "abc"),
        ("right\u202eto left", "rightto left"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("line\u2028break", "linebreak"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
    ],
)
def test_clean_removes_what_could_act_on_a_terminal(raw: str, safe: str) -> None:
    assert clean(raw) == safe


def test_one_line_keeps_the_first_line_only() -> None:
    assert one_line("first\nFAKE 2026-12-04 info  accepted", 40) == "first"
