"""The headless runner's log: one line on stderr for each thing it did.

The runner reports events (gemma_tui.queue.events); `report` turns each
into one record of the `gemma_tui.service` logger, with the import's id
and an action word (`claimed`, the state an import ended in, `requeued`)
in `extra`. The handler writes those, and the warnings of every other
logger, as text or as one JSON object per line, for a service manager's
journal or a log collector.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from gemma_tui.queue.events import (
    ImportFinished,
    ImportsRequeued,
    ImportStarted,
    RunnerEvent,
    RunnerStarted,
    RunnerStopped,
    RunnerTrouble,
)
from gemma_tui.queue.runner import GONE

SERVICE = "gemma_tui.service"

log = logging.getLogger(SERVICE)


def report(event: RunnerEvent) -> None:
    """The runner's report hook: logs what the event says happened."""
    match event:
        case RunnerStarted(requeued=numbers):
            say("started")
            _requeued(numbers, GONE)
        case ImportStarted(import_id=number, kind=kind, username=user):
            say("claimed", number, kind=kind, user=user)
        case ImportFinished(import_id=number, kind=kind, state=state, retry_id=retry):
            level = logging.WARNING if state == "failed" else logging.INFO
            say(state, number, level, kind=kind, retry=retry)
        case ImportsRequeued(import_ids=numbers, reason=reason):
            _requeued(numbers, reason)
        case RunnerTrouble(message=message):
            say("trouble", None, logging.WARNING, message=message)
        case RunnerStopped(unfinished=numbers):
            _requeued(numbers, "still running when the drain grace ended")
            say("stopped")


def _requeued(numbers: tuple[int, ...], reason: str) -> None:
    for number in numbers:
        say("requeued", number, logging.WARNING, reason=reason)


def say(
    action: str,
    import_id: int | None = None,
    level: int = logging.INFO,
    **fields: object,
) -> None:
    shown = {name: value for name, value in fields.items() if value is not None}
    where = f" import {import_id}" if import_id is not None else ""
    log.log(
        level,
        "%s%s",
        action,
        where,
        extra={"action": action, "import_id": import_id, "fields": shown},
    )


def log_to_stderr(form: str, stream: TextIO = sys.stderr) -> None:
    """Sends the service's records, and every other logger's warnings, to
    `stream` as `form` ("text" or "json")."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if form == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    log.setLevel(logging.INFO)


class TextFormatter(logging.Formatter):
    """`TIME ACTION import=N key=value…` for the service's records,
    `TIME LEVEL logger: message` for others."""

    def format(self, record: logging.LogRecord) -> str:
        time = _time(record)
        action = getattr(record, "action", None)
        if record.name != SERVICE or action is None:
            line = f"{time} {record.levelname} {record.name}: {record.getMessage()}"
            return line + _traceback(self, record, "\n")
        pairs = [f"{name}={_plain(value)}" for name, value in _fields(record).items()]
        return " ".join([time, action, *pairs])


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        action = getattr(record, "action", None)
        if action is not None:
            entry["action"] = action
        entry |= _fields(record)
        if record.name != SERVICE or action is None:
            entry["message"] = record.getMessage()
        if trace := _traceback(self, record, ""):
            entry["traceback"] = trace
        return json.dumps(entry, ensure_ascii=False, default=str)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    fields: dict[str, object] = {}
    import_id = getattr(record, "import_id", None)
    if import_id is not None:
        fields["import"] = import_id
    fields |= getattr(record, "fields", {})
    return fields


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain(value: object) -> str:
    """A value as one token: quoted when it holds spaces, quotes or
    control characters (say, a user or a message from the database)."""
    text = str(value)
    if text and text.isprintable() and not any(c in text for c in ' "='):
        return text
    return json.dumps(text, ensure_ascii=False)


def _traceback(
    formatter: logging.Formatter, record: logging.LogRecord, sep: str
) -> str:
    if not record.exc_info:
        return ""
    return sep + formatter.formatException(record.exc_info)
