"""Making untrusted text safe to store and to show.

Text from files, jobs and the database may carry NUL bytes, terminal escape
sequences and other control characters. Stored log lines lose them, and so
does every string a screen shows.
"""

from __future__ import annotations

import re

# ESC-introduced sequences (CSI, OSC, DCS and two-byte forms), the 8-bit
# CSI, then any other C0/C1 control except tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?",
    re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters that reorder or hide what follows them (bidi overrides and
# isolates, zero-width marks) or break lines outside of a newline.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` without escape sequences, control characters or surrogates."""
    text = _ESCAPES.sub("", text)
    text = _SURROGATES.sub("\ufffd", text)
    text = _INVISIBLE.sub("", text)
    return _CONTROLS.sub("", text)


def one_line(text: str, width: int | None = None) -> str:
    """The first line of the cleaned text, cut to `width` with an ellipsis."""
    lines = clean(text).strip().splitlines()
    line = lines[0] if lines else ""
    if width is not None and len(line) > width:
        return line[: max(width - 1, 0)] + "…"
    return line


def plural(number: int, word: str) -> str:
    """`number` `word`s, or one `word`: "1 station", "2 stations"."""
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
