"""Long log lines over several lines, the message going on under itself.

A log line is three words (a time or date and time, the import or the
date's time, the level word), padding, then the message. Wrapped, its
later lines start under the message, or, in a pane too narrow for that,
two cells in.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.widget import Widget

# Where the message starts, after the level word and its padding.
_MESSAGE = re.compile(r"^\S+ \S+ \S+ +")
# Narrower than this, a wrapped message goes on two cells in instead.
MIN_WRAP = 24
# The lines a log that wraps keeps for each entry it keeps.
WRAPPED_LINES = 4


def room(widget: Widget) -> int:
    """The cells a line may take in `widget`: its width less a scrollbar,
    which more lines may bring at any time (0 before it is laid out)."""
    return max(widget.size.width - widget.styles.scrollbar_size_vertical, 0)


def wrapped(line: str, width: int, console: Console) -> list[str]:
    """`line` in lines of `width` terminal cells at most, its tabs spaces
    (a log draws them as such, and they take no cell until then); as it is
    if it fits, or if `width` is not known yet (0) or too small to wrap in."""
    line = line.expandtabs()
    # Below a few cells a wide character cannot be placed: leave it whole.
    if width < 4 or cell_len(line) <= width:
        return [line]
    found = _MESSAGE.match(line)
    indent = found.end() if found else 0
    if width - indent < MIN_WRAP:
        indent = min(2, width - 1)
    head, message = line[:indent], line[indent:]
    parts = Text(message).wrap(console, width - indent, overflow="fold")
    pieces = [part.plain.rstrip() for part in parts] or [""]
    return [head + pieces[0]] + [" " * indent + piece for piece in pieces[1:]]
