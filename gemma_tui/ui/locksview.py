"""The locks view (`4`): every dependency resource held or wanted.

One row per resource and holder, told from the kinds' dependencies and
the imports the console lists (see `gemma_tui.queue.waiting.claims`, which
the detail's "why is it waiting" shares): how the holder holds it, since
when, and which due queued imports it keeps from starting. A resource
that queued imports need and nothing holds shows as free. Enter opens
the holder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget

from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.waiting import Claim
from gemma_tui.ui import cells
from gemma_tui.ui.banner import Board
from gemma_tui.ui.messages import ImportChosen
from gemma_tui.ui.panes import KeyedTable
from gemma_tui.ui.views import ViewScreen


class ClaimsTable(KeyedTable):
    TITLE = "Dependency locks"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_holder", "Open holder", id="locks.open"),
    ]
    # What tells why imports wait comes first. Below 97 cells (all of
    # these and a scrollbar) the holder's kind gives way, which its
    # detail names, and the waiting list narrows; the user stays whole.
    COLUMNS = (
        ("resource", "Resource", 18),
        ("mode", "Mode", 9),
        ("holder", "Holder", 7),
        ("kind", "Kind", 6),
        ("for", "Held for", 8),
        ("waiting", "Waiting for it", cells.WAITING_WIDTH),
        ("user", "User", 14),
    )
    NARROW_COLUMNS = (
        ("resource", "Resource", 18),
        ("mode", "Mode", 9),
        ("holder", "Holder", 7),
        ("for", "Held for", 8),
        ("waiting", "Waiting", 10),
        ("user", "User", 14),
    )
    NARROW_BELOW = 97

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._holders: dict[str, int] = {}

    def show(
        self, claims: Iterable[Claim], imports: Mapping[int, ImportRow], now: datetime
    ) -> None:
        """Shows `claims`; `imports` give the holders' users."""
        rows, holders, free = [], {}, 0
        for claim in claims:
            key, holder = _key(claim), claim.holder
            if holder is None:
                free += 1
            else:
                holders[key] = holder.import_id
            row = imports.get(holder.import_id) if holder else None
            rows.append((key, cells.claim(claim, row, now)))
        self._holders = holders
        self.apply(rows, _note(len(rows) - free, free))

    def action_open_holder(self) -> None:
        key = self.highlighted_key
        holder = self._holders.get(key) if key is not None else None
        if holder is not None:
            self.post_message(ImportChosen(holder))


def _key(claim: Claim) -> str:
    holder = claim.holder.import_id if claim.holder else 0
    return f"{claim.resource}\t{holder}"


def _note(held: int, free: int) -> str:
    return f"{held} held · {free} free, wanted" if free else f"{held} held"


class LocksScreen(ViewScreen):
    """The locks view: its one table."""

    def __init__(self, filter_text: str, board: Board) -> None:
        super().__init__(filter_text, board)
        self.table = ClaimsTable(id="claims")

    def panes(self) -> Iterable[Widget]:
        yield self.table
