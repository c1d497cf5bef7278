"""Telling why a queued import waits, as the detail view shows it."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

from gemma_tui.queue.waiting import Need, Waiting
from gemma_tui.text import one_line, plural
from gemma_tui.ui.cells import duration
from gemma_tui.ui.describe import relative, stamp


def waiting_text(
    waiting: Waiting, kind: str, now: datetime, zone: tzinfo | None
) -> Text:
    """One line for when it is due and its place, then the resources and
    their holders; spans of time are told from the console's clock, `now`."""
    lines = [_when(waiting, now, zone)]
    if not waiting.known:
        lines.append(
            f"No runner of this console knows kind {one_line(kind, 40)}; it waits"
            " for one that does."
        )
    elif not waiting.needs:
        lines.append("It needs no resources.")
    for need in waiting.needs:
        lines += _need(need, now, zone)
    if _next(waiting):
        lines.append("Nothing holds it back: a runner takes it next.")
    return Text("\n".join(lines))


def _next(waiting: Waiting) -> bool:
    free = not any(need.blocked for need in waiting.needs)
    return waiting.known and not waiting.scheduled and not waiting.ahead and free


def _when(waiting: Waiting, now: datetime, zone: tzinfo | None) -> str:
    if waiting.scheduled:
        due = stamp(waiting.due, zone)
        return f"Scheduled: due {due} ({relative(waiting.due, now)})."
    if not waiting.ahead:
        return "Due now, first in line."
    before = plural(waiting.ahead, "due import")
    return f"Due now; {before} {'comes' if waiting.ahead == 1 else 'come'} first."


def _need(need: Need, now: datetime, zone: tzinfo | None) -> list[str]:
    """The resource and the verdict, then one short line per holder, so
    that a holder's span of time reads on one line in a pane of 80."""
    name = f"{one_line(need.resource, 30)} ({need.mode})"
    if not need.holders:
        return [f"{name}: free."]
    verdict = "waits for it" if need.blocked else "may share it"
    held = [
        f"  #{holder.import_id} {one_line(holder.kind, 20)} holds it {holder.mode}"
        f" since {holder.since.astimezone(zone):%H:%M:%S}"
        f" ({duration((now - holder.since).total_seconds())})."
        for holder in need.holders
    ]
    return [f"{name}: it {verdict}.", *held]
