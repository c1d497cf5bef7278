"""Turning imports, locks and log lines into what the panes show.

Everything from the database, a file or a job is untrusted: it becomes a
literal `Text` (never markup) after `clean()` has stripped escape and
control sequences. Times are words ("in 4m 10s", "5m 00s ago"), so that
no state is told by colour alone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

from gemma_tui.queue.imports import ImportRow, LogLine
from gemma_tui.queue.locks import Holding
from gemma_tui.queue.runners import RunnerRow
from gemma_tui.queue.waiting import Claim
from gemma_tui.text import one_line

# Widest a name from the database may make a column; longer ones end in "…".
NAME_WIDTH = 24
LEVEL_WIDTH = len("error")

Cells = tuple[Text, ...]


def literal(text: str, width: int | None = NAME_WIDTH) -> Text:
    """Untrusted text as one literal line."""
    return Text(one_line(text, width), no_wrap=True, overflow="ellipsis")


def import_id(number: int) -> Text:
    return Text(f"#{number}", no_wrap=True)


def count(number: int) -> Text:
    return Text(str(number), style="bold" if number else "")


def duration(seconds: float) -> str:
    """A span of time as a person reads it: 45s, 4m 10s, 2h 05m, 3d 4h."""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    minutes, whole = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {whole:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def soon(when: datetime, now: datetime) -> str:
    """When an import is due, after a heading "Due": "now", "in 4m 10s"."""
    ahead = (when - now).total_seconds()
    return f"in {duration(ahead)}" if ahead >= 1 else "now"


def queued(row: ImportRow, now: datetime) -> Cells:
    return (
        import_id(row.id),
        literal(row.kind),
        Text(soon(row.due, now)),
        literal(row.username),
    )


def running(row: ImportRow, now: datetime) -> Cells:
    # `changed` is when the runner claimed it: the run's start.
    return (
        import_id(row.id),
        literal(row.kind),
        Text(duration((now - row.changed).total_seconds())),
        literal(row.username),
    )


def in_review(row: ImportRow, now: datetime, marked: bool) -> Cells:
    return (
        Text("*" if marked else " ", style="bold"),
        import_id(row.id),
        literal(row.kind),
        Text(row.state),
        count(row.warnings),
        count(row.errors),
        literal(row.username),
        Text(f"{duration((now - row.changed).total_seconds())} ago"),
    )


def failed(row: ImportRow, now: datetime) -> Cells:
    return (
        import_id(row.id),
        literal(row.kind),
        Text(f"{duration((now - row.changed).total_seconds())} ago"),
        count(row.errors),
        literal(row.username),
    )


def holding(lock: Holding) -> Cells:
    holders = ", ".join(f"#{number}" for number in lock.holders)
    return (literal(lock.resource), Text(holders), Text(lock.mode))


def runner(row: RunnerRow, now: datetime, here: bool) -> Cells:
    # Words, not colour: a runner that is gone says so.
    state = "here" if here else ("live" if row.live else "gone")
    return (
        literal(row.host),
        count(row.running),
        Text(state),
        Text(duration((now - row.started).total_seconds())),
        Text(str(row.pid)),
    )


def claim(lock: Claim, holder: ImportRow | None, now: datetime) -> Cells:
    """A resource, how it is held, by whom, for how long, who waits.

    `holder` is the holding import as the console lists it, if it does.
    """
    held = lock.holder
    since = "" if held is None else duration((now - held.since).total_seconds())
    return (
        literal(lock.resource),
        Text(lock.mode),
        import_id(held.import_id) if held else Text("-"),
        literal(held.kind) if held else Text(""),
        Text(since),
        literal(ids(lock.waiting), WAITING_WIDTH),
        literal(holder.username) if holder else Text(""),
    )


WAITING_WIDTH = 20


def ids(numbers: tuple[int, ...]) -> str:
    """Imports by id; the count first when there are several, since a
    narrow column cuts the end."""
    listed = " ".join(f"#{number}" for number in numbers)
    return f"{len(numbers)}: {listed}" if len(numbers) > 2 else listed


def runner_full(
    row: RunnerRow, now: datetime, here: bool, zone: tzinfo | None
) -> Cells:
    """A runner as the runners view lists it: more than the pane's."""
    state = "here" if here else ("live" if row.live else "gone")
    return (
        Text(str(row.id), no_wrap=True),
        literal(row.host),
        Text(state),
        count(row.running),
        Text(duration((now - row.started).total_seconds())),
        Text(f"{duration((now - row.heartbeat).total_seconds())} ago"),
        Text(str(row.pid)),
        Text(row.started.astimezone(zone).strftime("%m-%d %H:%M")),
    )


def run_by(number: int, row: ImportRow | None, now: datetime) -> Cells:
    """An import a runner runs; only its id when the console lists it not."""
    if row is None:
        return (import_id(number), Text("?"), Text(""), Text(""))
    return running(row, now)


def log_line(line: LogLine, zone: tzinfo | None) -> str:
    """One line of the log pane: time, import, level word, first line.

    The log widget draws strings literally, so a plain cleaned string is
    safe here.
    """
    stamp = line.time.astimezone(zone).strftime("%H:%M:%S")
    level = line.level.ljust(LEVEL_WIDTH)
    return f"{stamp} #{line.import_id} {level} {one_line(line.message)}"


def console_line(when: datetime, level: str, text: str, zone: tzinfo | None) -> str:
    """A line of the console's own in the log pane, shaped as `log_line`."""
    stamp = when.astimezone(zone).strftime("%H:%M:%S")
    return f"{stamp} console {level.ljust(LEVEL_WIDTH)} {one_line(text)}"
