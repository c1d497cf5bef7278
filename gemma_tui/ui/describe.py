"""Turning one import's detail into the text the detail view shows.

Everything from the database is untrusted: it passes through `clean()` and
becomes a literal `Text`, never markup. JSON is indented for reading and
keeps its non-ASCII characters; its strings are cleaned like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

from rich.highlighter import JSONHighlighter
from rich.text import Text

from gemma_tui.queue.detail import Entry, ImportDetail
from gemma_tui.queue.kinds import Registry
from gemma_tui.text import clean, one_line, plural
from gemma_tui.ui.cells import duration

# Longest JSON shown, in lines; the rest is counted, not drawn.
JSON_LINES = 2000
LABEL_WIDTH = len("Enqueued  ")
LEVELS = ("info", "warn", "error")

_json = JSONHighlighter()


def stamp(when: datetime, zone: tzinfo | None) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def relative(when: datetime, now: datetime) -> str:
    seconds = (when - now).total_seconds()
    if abs(seconds) < 1:
        return "now"
    span = duration(abs(seconds))
    return f"in {span}" if seconds > 0 else f"{span} ago"


def headline(detail: ImportDetail) -> str:
    return f"Import #{detail.id} · {one_line(detail.kind, 40)} · {detail.state}"


def facts(
    detail: ImportDetail, now: datetime, zone: tzinfo | None, registry: Registry
) -> Text:
    """Who and what, then the timeline, tries and retries, one per line."""
    rows = [
        ("State", _state(detail)),
        ("Kind", kind_text(detail.kind, registry)),
        ("User", one_line(detail.username)),
        *timeline(detail, now, zone),
        ("Tries", _tries(detail)),
        ("Retries", _chain(detail.id, detail.retries)),
        ("Email", "yes" if detail.send_email else "no"),
        ("Log", _counts(detail)),
    ]
    return Text("\n").join(_field(label, value) for label, value in rows)


def timeline(
    detail: ImportDetail, now: datetime, zone: tzinfo | None
) -> list[tuple[str, str]]:
    """Enqueued, due, then the last change named for what it was."""

    def at(when: datetime) -> str:
        return f"{stamp(when, zone)} ({relative(when, now)})"

    rows = [("Enqueued", at(detail.enqueued)), ("Due", at(detail.due))]
    changed = at(detail.changed)
    match detail.state:
        case "queued":
            pass
        case "running":
            rows.append(("Started", changed))
        case "reviewed":
            rows.append(("Decided", f"{changed}; being carried out"))
        case "accepted" | "declined":
            signer = one_line(detail.signer or "unknown")
            rows.append(("Reviewed", f"{changed} by {signer}"))
        case _:
            rows.append(("Ended", changed))
    return rows


def json_text(raw: str | None, missing: str) -> Text:
    """`raw` as indented JSON, or as it is when it is not JSON."""
    if raw is None:
        return Text(missing, style="italic")
    try:
        shown = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, RecursionError):
        return Text(_capped(clean(raw)))
    text = Text(_capped(clean(shown)))
    _json.highlight(text)
    return text


def entry_line(entry: Entry, zone: tzinfo | None) -> str:
    """One log line: time, level word, the message's first line."""
    level = entry.level.ljust(len("error"))
    return f"{stamp(entry.time, zone)} {level} {one_line(entry.message)}"


def errors_text(entries: Iterable[Entry], zone: tzinfo | None) -> Text:
    """Every error in full, its traceback included, one after another."""
    blocks = [
        Text.assemble(
            (stamp(entry.time, zone), "bold"), "\n", clean(entry.message).rstrip()
        )
        for entry in entries
    ]
    if not blocks:
        return Text("No errors.", style="italic")
    return Text("\n\n").join(blocks)


def _field(label: str, value: str) -> Text:
    return Text.assemble((label.ljust(LABEL_WIDTH), "bold"), value)


def _state(detail: ImportDetail) -> str:
    if detail.state == "queued" and detail.due > detail.enqueued:
        return "queued (scheduled)"
    return detail.state


def kind_text(kind: str, registry: Registry) -> str:
    """The kind, with its description as the registry has it."""
    name = one_line(kind, 40)
    if kind in registry:
        return f"{name} ({one_line(registry[kind].description, 48)})"
    return f"{name} (unknown here)"


def _tries(detail: ImportDetail) -> str:
    wait = detail.retry_wait
    after = f", {_wait(wait)} apart" if wait is not None else ""
    if detail.tries_left is None:
        return f"no limit{after}" if wait is not None else "no retries"
    return f"{detail.tries_left} left{after}"


def _wait(wait: timedelta) -> str:
    return duration(wait.total_seconds())


def _chain(current: int, chain: tuple[int, ...]) -> str:
    if len(chain) < 2:
        return "none"
    return " → ".join(f"#{n} (this one)" if n == current else f"#{n}" for n in chain)


def _counts(detail: ImportDetail) -> str:
    warnings = plural(detail.warnings, "warning")
    errors = plural(detail.errors, "error")
    return f"{plural(detail.lines, 'line')}: {warnings}, {errors}"


def _capped(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= JSON_LINES:
        return text
    rest = len(lines) - JSON_LINES
    return "\n".join([*lines[:JSON_LINES], f"… {rest} more lines"])
