"""The history's columns: which fit a width, and the text of each cell.

Pure functions, no widget: the history view draws what these return. Every
cell from the database is cleaned, cut to its column with an ellipsis and
padded, by terminal cells (a wide character takes two).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.cells import cell_len, set_cell_size

from gemma_tui.queue.history import HistoryRow
from gemma_tui.text import one_line

GAP = 1
FLEX_MIN = 6
FLEX_MAX = 24
LONG_TIME = "%Y-%m-%d %H:%M:%S"
SHORT_TIME = "%m-%d %H:%M"
STATE_WIDTH = len("unchanged")

HEADINGS = {
    "id": "Import",
    "state": "State",
    "kind": "Kind",
    "user": "User",
    "signer": "Signer",
    "enqueued": "Enqueued",
    "due": "Due",
    "changed": "Changed",
}
FLEXIBLE = ("kind", "user", "signer")
# Width from which a column shows; the others always do.
SHOWN_FROM = {"signer": 72, "enqueued": 56, "due": 110}
LONG_TIMES_FROM = 140


@dataclass(frozen=True, slots=True)
class Layout:
    columns: tuple[tuple[str, int], ...]  # (key, width) left to right
    time_format: str


def layout(width: int, id_width: int, wants: dict[str, int] | None = None) -> Layout:
    """The columns that fit `width` cells, and how wide each is.

    `wants` are the widest texts of the flexible columns (kind, user,
    signer); the room left by the fixed columns goes to them, each
    getting at most what it wants, the narrowest served first.
    """
    time_format = LONG_TIME if width >= LONG_TIMES_FROM else SHORT_TIME
    time_width = len(datetime(2000, 1, 1).strftime(time_format))
    fixed = {"id": id_width, "state": STATE_WIDTH}
    fixed |= {key: time_width for key in ("enqueued", "due", "changed")}
    keys = [key for key in HEADINGS if width >= SHOWN_FROM.get(key, 0)]
    used = sum(fixed[key] for key in keys if key in fixed) + GAP * (len(keys) - 1)
    flexible = [key for key in keys if key in FLEXIBLE]
    widths = fixed | _share(width - used, flexible, wants or {})
    return Layout(tuple((key, widths[key]) for key in keys), time_format)


def _share(room: int, keys: list[str], wants: dict[str, int]) -> dict[str, int]:
    """Water-filling: each column gets what it wants or an equal share."""
    wanted = {
        key: max(len(HEADINGS[key]), min(wants.get(key, FLEX_MAX), FLEX_MAX))
        for key in keys
    }
    widths: dict[str, int] = {}
    for place, key in enumerate(sorted(keys, key=lambda k: wanted[k])):
        share = room // (len(keys) - place)
        widths[key] = max(FLEX_MIN, min(wanted[key], share))
        room -= widths[key]
    return widths


def wants(rows: list[HistoryRow]) -> dict[str, int]:
    """The widest kind, user and signer among `rows`, in cells."""
    return {
        "kind": _widest(row.kind for row in rows),
        "user": _widest(row.username for row in rows),
        "signer": _widest(row.signer or "" for row in rows),
    }


def _widest(texts: Iterable[str]) -> int:
    return max((cell_len(one_line(text)) for text in set(texts)), default=0)


def id_width(highest: int | None) -> int:
    """Wide enough for the heading and the highest id with its `#`."""
    return max(len(HEADINGS["id"]), len(f"#{highest or 0}"))


def cells(row: HistoryRow, plan: Layout, zone: tzinfo | None) -> list[str]:
    """The row's cells, each cut and padded to its column."""
    values = {
        "id": f"#{row.id}",
        "state": row.state,
        "kind": one_line(row.kind),
        "user": one_line(row.username),
        "signer": one_line(row.signer or ""),
        "enqueued": _time(row.enqueued, plan.time_format, zone),
        "due": _time(row.due, plan.time_format, zone),
        "changed": _time(row.changed, plan.time_format, zone),
    }
    return [fit(values[key], width) for key, width in plan.columns]


def headings(plan: Layout) -> list[str]:
    return [fit(HEADINGS[key], width) for key, width in plan.columns]


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: cut with an ellipsis, or padded."""
    if cell_len(text) > width:
        return set_cell_size(text, max(width - 1, 0)) + "…"
    return set_cell_size(text, width)


def _time(when: datetime, time_format: str, zone: tzinfo | None) -> str:
    return when.astimezone(zone).strftime(time_format)
