"""Every message the console's workers post to the App, past tense.

Workers (the watcher, the hosted runner, decisions, readers) run in
threads and talk to the UI only by posting these; the App's handlers own
the UI's state. Panes post what the operator chose.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Generic, TypeVar

from textual.message import Message

from gemma_tui.queue import events
from gemma_tui.queue.detail import ImportDetail
from gemma_tui.queue.imports import ImportRow, LogLine
from gemma_tui.queue.runners import RunnerRow
from gemma_tui.queue.waiting import Waiting
from gemma_tui.ui.paging import Page, PageRequest

# The watcher.


class ImportsRefreshed(Message):
    """The live imports (queued, running, pending, reviewed) as read now."""

    def __init__(self, imports: tuple[ImportRow, ...]) -> None:
        super().__init__()
        self.imports = imports

    def can_replace(self, message: Message) -> bool:
        # Each one is a whole picture: a newer one makes an older one moot.
        return isinstance(message, ImportsRefreshed)


class FailuresRefreshed(Message):
    """The newest imports that failed within `window`, and how many did."""

    def __init__(
        self, imports: tuple[ImportRow, ...], total: int, window: timedelta
    ) -> None:
        super().__init__()
        self.imports = imports
        self.total = total
        self.window = window

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FailuresRefreshed)


class RunnersRefreshed(Message):
    """The runners registered on the database, as read now."""

    def __init__(self, runners: tuple[RunnerRow, ...]) -> None:
        super().__init__()
        self.runners = runners

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunnersRefreshed)


class RunnersUnreadable(Message):
    """The runners could not be read (say, this role may not); why."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class LogLinesArrived(Message):
    """New log lines of any import, oldest first."""

    def __init__(self, lines: tuple[LogLine, ...]) -> None:
        super().__init__()
        self.lines = lines


class LogStreamUnavailable(Message):
    """The database cannot stream log lines (it lacks the `seq` column)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class DatabaseLost(Message):
    """The watcher cannot reach the database; it tries again after a wait."""

    def __init__(self, reason: str, retry_in: float) -> None:
        super().__init__()
        self.reason = reason
        self.retry_in = retry_in


class DatabaseReached(Message):
    """The watcher is connected and listening."""


# The detail view's reader.


class DetailRead(Message):
    """One import, read in full; if queued, why it waits."""

    def __init__(self, detail: ImportDetail, waiting: Waiting | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.waiting = waiting


class DetailUnreadable(Message):
    """An import could not be read; `reason` says why, for a person."""

    def __init__(self, import_id: int, reason: str) -> None:
        super().__init__()
        self.import_id = import_id
        self.reason = reason


# The history's reader.


class PageRead(Message, bubble=False):
    """A page of the history, read as asked."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page


class PageUnreadable(Message, bubble=False):
    """A page of the history could not be read; `reason` says why."""

    def __init__(self, request: PageRequest, reason: str) -> None:
        super().__init__()
        self.request = request
        self.reason = reason


# The panes.


class FilterWritten(Message):
    """The operator wrote a filter and pressed Enter."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ImportChosen(Message):
    """The operator chose an import to open (Enter on its row)."""

    def __init__(self, import_id: int) -> None:
        super().__init__()
        self.import_id = import_id


# Operations on one import (see `operating`).


class ImportRetried(Message):
    """A failed import was queued again as `retry_id`."""

    def __init__(self, import_id: int, retry_id: int) -> None:
        super().__init__()
        self.import_id = import_id
        self.retry_id = retry_id


class ImportCancelled(Message):
    """A queued import was cancelled; it will not run."""

    def __init__(self, import_id: int) -> None:
        super().__init__()
        self.import_id = import_id


class ActionFailed(Message):
    """An operation was refused or failed; `reason` says why, for a person."""

    def __init__(self, action: str, import_id: int, reason: str) -> None:
        super().__init__()
        self.action = action
        self.import_id = import_id
        self.reason = reason


# A new import from a file (see `enqueueing` and `newimport`).


class DirectoryChanged(Message, bubble=False):
    """The file tree of a new import shows `path` now."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


class FileChecked(Message, bubble=False):
    """The file `picked` for a new import of `kind` passed the checks that
    enqueueing makes; `path` is it made absolute, `size` in bytes; `role`
    is the one it would be queued as."""

    def __init__(
        self, kind: str, picked: Path, path: Path, size: int, role: str
    ) -> None:
        super().__init__()
        self.kind = kind
        self.picked = picked
        self.path = path
        self.size = size
        self.role = role


class FileRefused(Message, bubble=False):
    """The file chosen for a new import of `kind` cannot be queued; why."""

    def __init__(self, kind: str, path: Path, reason: str) -> None:
        super().__init__()
        self.kind = kind
        self.path = path
        self.reason = reason


class ImportEnqueued(Message):
    """The operator's new import of `kind`, from `path`, is queued."""

    def __init__(self, import_id: int, kind: str, path: Path) -> None:
        super().__init__()
        self.import_id = import_id
        self.kind = kind
        self.path = path


class EnqueueFailed(Message):
    """The operator's new import was refused when it was written; why."""

    def __init__(self, kind: str, path: Path, reason: str) -> None:
        super().__init__()
        self.kind = kind
        self.path = path
        self.reason = reason


# The hosted runner: one message per runner event, carrying the event.

E = TypeVar("E")


class _Reported(Message, Generic[E]):
    def __init__(self, event: E) -> None:
        super().__init__()
        self.event = event


class RunnerStarted(_Reported[events.RunnerStarted]):
    """The runner is up; `requeued` were left running by a runner now gone."""


class ImportStarted(_Reported[events.ImportStarted]):
    """The hosted runner started an import."""


class ImportFinished(_Reported[events.ImportFinished]):
    """An import of the hosted runner ended."""


class ImportsRequeued(_Reported[events.ImportsRequeued]):
    """The hosted runner queued again imports whose runner is gone."""


class LocksChanged(_Reported[events.LocksChanged]):
    """The dependency locks the hosted runner holds now."""


class RunnerTroubled(_Reported[events.RunnerTrouble]):
    """The runner cannot reach the database; it keeps trying."""


class RunnerPaused(_Reported[events.RunnerPaused]):
    """The hosted runner was paused or resumed."""


class RunnerStopped(_Reported[events.RunnerStopped]):
    """The runner has drained and stopped."""


def from_runner(event: events.RunnerEvent) -> Message:
    """The message that carries a runner event to the App."""
    match event:
        case events.RunnerStarted():
            return RunnerStarted(event)
        case events.ImportStarted():
            return ImportStarted(event)
        case events.ImportFinished():
            return ImportFinished(event)
        case events.ImportsRequeued():
            return ImportsRequeued(event)
        case events.LocksChanged():
            return LocksChanged(event)
        case events.RunnerTrouble():
            return RunnerTroubled(event)
        case events.RunnerPaused():
            return RunnerPaused(event)
        case events.RunnerStopped():
            return RunnerStopped(event)


# Decisions. `batch` is how many imports the confirmed decision named:
# the App tells of a batch in one summary instead of one toast each.


class DecisionMade(Message):
    """A decision is recorded; its review import will carry it out."""

    def __init__(
        self, import_id: int, accept: bool, review_id: int, batch: int = 1
    ) -> None:
        super().__init__()
        self.import_id = import_id
        self.accept = accept
        self.review_id = review_id
        self.batch = batch


class DecisionFailed(Message):
    """A decision was not recorded; `reason` says why, for a person."""

    def __init__(
        self, import_id: int, accept: bool, reason: str, batch: int = 1
    ) -> None:
        super().__init__()
        self.import_id = import_id
        self.accept = accept
        self.reason = reason
        self.batch = batch


class DecisionsRecorded(Message):
    """A batch is recorded: the imports decided, and those that failed."""

    def __init__(
        self,
        accept: bool,
        made: tuple[int, ...],
        failed: tuple[tuple[int, str], ...],
    ) -> None:
        super().__init__()
        self.accept = accept
        self.made = made
        self.failed = failed


class ReviewCarriedOut(Message):
    """The review import ended: `outcome` is `accepted` or `declined`."""

    def __init__(self, import_id: int, outcome: str, batch: int = 1) -> None:
        super().__init__()
        self.import_id = import_id
        self.outcome = outcome
        self.batch = batch


class ReviewRetrying(Message):
    """The review import failed and was queued again; the decision stands."""

    def __init__(self, import_id: int, batch: int = 1) -> None:
        super().__init__()
        self.import_id = import_id
        self.batch = batch


class ReviewStillQueued(Message):
    """No runner carried out the decision in the time the console waited."""

    def __init__(self, import_id: int, waited: float, batch: int = 1) -> None:
        super().__init__()
        self.import_id = import_id
        self.waited = waited
        self.batch = batch
