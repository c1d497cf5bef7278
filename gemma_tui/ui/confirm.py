"""The confirmation dialog, and the questions the console asks with it.

`y` or Enter confirms; `n` or Escape cancels, and nothing else does: the
dialog has no focusable widget, so Enter cannot land on a Cancel button.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.kinds import Registry
from gemma_tui.text import one_line
from gemma_tui.ui.describe import kind_text

# Most import ids a batch dialog names; it counts the rest.
IDS_SHOWN = 60
# Most characters of a file's path a dialog shows; it keeps the end.
PATH_SHOWN = 240


class Confirm(ModalScreen[bool]):
    """Asks one yes/no question; dismisses with True only when confirmed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        Binding("enter", "confirm", "Yes", show=False, id="confirm.enter"),
        Binding("n", "cancel", "No", id="confirm.no"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm.escape"),
    ]

    def __init__(
        self,
        question: str,
        details: list[Content],
        verb: str,
        *,
        tone: str,
        refusal: str = "cancel",
    ) -> None:
        super().__init__()
        self._question = Content(question)
        self._details = details
        self._verb = verb
        self._refusal = refusal  # what n and Escape do, in words
        self._tone = tone

    @property
    def details(self) -> list[str]:
        """The lines under the question, as text."""
        return [line.plain for line in self._details]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes=self._tone):
            yield Static(self._question, id="question")
            for line in self._details:
                yield Static(line, classes="detail")
            keys = f"y / Enter: {self._verb}    n / Esc: {self._refusal}"
            yield Static(Content(keys), id="keys")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def decision_dialog(row: ImportRow, accept: bool, registry: Registry) -> Confirm:
    """Asks to accept or decline `row`, naming its id, kind and log counts."""
    verb = "accept" if accept else "decline"
    effect = (
        "Accepting publishes what the import staged."
        if accept
        else "Declining deletes what the import staged."
    )
    details = [
        _field("Kind", kind_text(row.kind, registry)),
        _field("User", one_line(row.username)),
        _field("Log", _counts(row.warnings, row.errors)),
        Content(effect),
    ]
    tone = "-accept" if accept else "-decline"
    return Confirm(f"{verb.capitalize()} import #{row.id}?", details, verb, tone=tone)


def batch_dialog(
    rows: Sequence[ImportRow], accept: bool, *, matching: str = ""
) -> Confirm:
    """Asks to accept or decline every import of `rows`, naming each id,
    how many there are, their kinds and their log counts together;
    `matching` is the filter that chose them, if one did."""
    verb = "accept" if accept else "decline"
    effect = (
        "Accepting publishes what each import staged."
        if accept
        else "Declining deletes what each import staged."
    )
    kinds = Counter(one_line(row.kind, 24) for row in rows)
    details = [_field("Filter", one_line(matching))] if matching else []
    details += [
        _field("Imports", ids_text(row.id for row in rows)),
        _field("Kinds", ", ".join(f"{k} ({n})" for k, n in sorted(kinds.items()))),
        _field(
            "Log",
            _counts(sum(r.warnings for r in rows), sum(r.errors for r in rows)),
        ),
        Content(effect),
    ]
    tone = "-accept" if accept else "-decline"
    question = f"{verb.capitalize()} these {len(rows)} imports?"
    if matching:
        which = "the 1 pending import" if len(rows) == 1 else f"all {len(rows)}"
        which += "" if len(rows) == 1 else " pending imports"
        question = f"{verb.capitalize()} {which} the filter matches?"
    return Confirm(question, details, verb, tone=tone)


def ids_text(ids: Iterable[int], most: int = IDS_SHOWN) -> str:
    """`#5, #4, #2`, and how many more when there are over `most`."""
    numbers = list(ids)
    shown = ", ".join(f"#{number}" for number in numbers[:most])
    rest = len(numbers) - most
    return f"{shown} and {rest} more" if rest > 0 else shown


def retry_dialog(import_id: int, kind: str, user: str, registry: Registry) -> Confirm:
    """Asks to queue the failed import `import_id` again, now."""
    details = [
        _field("Kind", kind_text(kind, registry)),
        _field("User", one_line(user)),
        Content("A new import, due now, runs the same data as this user;"),
        Content(f"#{import_id} stays failed. Both logs name you."),
    ]
    return Confirm(f"Retry import #{import_id} now?", details, "retry", tone="-quit")


def cancel_dialog(
    import_id: int, kind: str, user: str, due: str, registry: Registry
) -> Confirm:
    """Asks to cancel the queued import `import_id`; `due` says when it
    would run."""
    details = [
        _field("Kind", kind_text(kind, registry)),
        _field("User", one_line(user)),
        _field("Due", due),
        Content("It will never run: it ends declined, signed by you,"),
        Content("with a line in its log saying you cancelled it."),
    ]
    question = f"Cancel import #{import_id}?"
    return Confirm(
        question, details, f"cancel #{import_id}", tone="-decline", refusal="keep it"
    )


def enqueue_dialog(
    kind: str, path: Path, size: int, role: str, registry: Registry
) -> Confirm:
    """Asks to queue the file `path` as a new import of `kind`, submitted
    by `role`; `n` and Escape go back to choosing."""
    details = [
        _field("Kind", kind_text(kind, registry)),
        _field("File", _tail(str(path), PATH_SHOWN)),
        _field("Size", f"{size:,} bytes"),
        _field("User", one_line(role)),
        Content("It is due now and runs as this user; its log says"),
        Content("that you queued it from the console."),
    ]
    question = f"Queue a new import of kind {one_line(kind, 32)}?"
    return Confirm(question, details, "queue it", tone="-quit", refusal="go back")


def pause_dialog(pause: bool, running: int) -> Confirm:
    """Asks to pause or resume this console's runner."""
    if pause:
        details = [Content("It takes no new imports until you resume it (p).")]
        if running:
            imports = "import runs" if running == 1 else "imports run"
            details.append(Content(f"The {running} {imports} on to the end."))
        details.append(Content("Other runners on the database go on as before."))
        return Confirm("Pause this console's runner?", details, "pause", tone="-quit")
    details = [Content("It takes due imports again.")]
    return Confirm("Resume this console's runner?", details, "resume", tone="-quit")


def quit_dialog(running: int, grace: float) -> Confirm:
    imports = "import is" if running == 1 else "imports are"
    them = "it" if running == 1 else "them"
    details = [
        Content(f"{running} {imports} running in this console's runner."),
        Content(f"Quitting waits up to {grace:g} s for {them} to end;"),
        Content("any still running then are queued again."),
    ]
    return Confirm("Quit the console?", details, "quit", tone="-quit")


def _field(name: str, value: str) -> Content:
    # Content() is literal: a kind named like markup stays text.
    return Content.assemble((f"{name}: ", "bold"), Content(value))


def _tail(text: str, width: int) -> str:
    # A path's end names the file: a long one loses its beginning.
    line = one_line(text)
    return "…" + line[-(width - 1) :] if len(line) > width else line


def _counts(warnings: int, errors: int) -> str:
    return f"{_plural(warnings, 'warning')}, {_plural(errors, 'error')}"


def _plural(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
