"""The dialog that makes a new import from a file: a kind, a file, a yes.

The operator chooses the kind in a list (the registry's, with their
descriptions) and the file in a tree of the local disk, or types or
pastes its path (over SSH that is often quicker). Tab moves between the
three, Enter picks, Escape cancels. A picked file is checked in a thread
worker as enqueueing checks it (`imports.file_data`, the kind's own
`create`); a file that fails says why on the dialog's problem line, and
one that passes opens a confirmation naming the kind, the file and the
role it is queued as (without `--as`, the worker asks the database which
role the console logged in as), whose Escape comes back here. The dialog
only chooses: the App enqueues.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text, TextType
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import DescendantBlur, DescendantFocus
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, OptionList, Static
from textual.widgets.option_list import Option

from gemma_tui.db import connect
from gemma_tui.errors import GemmaError
from gemma_tui.queue.imports import check_job, file_data
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.operate import acting_role
from gemma_tui.text import one_line
from gemma_tui.ui import messages as m
from gemma_tui.ui.confirm import enqueue_dialog


@dataclass(frozen=True, slots=True)
class NewImport:
    """What the operator chose and confirmed: a kind and an absolute path."""

    kind: str
    path: Path


def checked_file(registry: Registry, kind: str, path: Path) -> tuple[Path, int]:
    """The absolute path of `path` and its size, once enqueueing's checks
    pass for an import of `kind`; else a GemmaError saying why not."""
    data = file_data(path)
    check_job(registry, kind, data)
    absolute = Path(json.loads(data)["file"])
    try:
        return absolute, absolute.stat().st_size
    except OSError as error:
        raise GemmaError(f"cannot read {str(absolute)!r}: {error.strerror}") from None


def login_role(dsn: str, actor: str | None) -> str:
    """The role a new import is queued as: `actor`, else the login role."""
    if actor is not None:
        return actor
    with connect(dsn) as conn:
        return acting_role(conn)


def shown_directory(path: Path) -> str:
    """`path` as a title shows it: the home directory as `~`, cleaned."""
    try:
        home = Path.home()
    except RuntimeError:  # no HOME, and no user entry to read it from
        return one_line(str(path))
    if path == home or home in path.parents:
        return one_line(str(Path("~") / path.relative_to(home)))
    return one_line(str(path))


class FileTree(DirectoryTree):
    """The local disk from a starting directory; Backspace goes up one.

    Names come from the disk: they are shown cleaned (no escape sequences,
    a lone surrogate of an undecodable name as �), never as markup.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("backspace", "parent", "Up a directory", id="new_import.up"),
    ]

    def process_label(self, label: TextType) -> Text:
        if isinstance(label, str):
            label = Text(one_line(label) or "?")
        return super().process_label(label)

    def action_parent(self) -> None:
        here = Path(self.path)
        if here.parent != here:
            self.path = here.parent
            self.screen.post_message(m.DirectoryChanged(here.parent))


class NewImportScreen(ModalScreen[NewImport | None]):
    """Chooses a kind and a file; dismisses with them once confirmed, or
    with None when the operator cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="new_import.cancel"),
    ]

    def __init__(
        self, registry: Registry, start: Path, dsn: str, actor: str | None
    ) -> None:
        super().__init__()
        self._registry = registry
        self._dsn = dsn
        self._actor = actor  # the `--as` role; None: the login role
        self._directory = start
        self._asked: tuple[str, Path] | None = None  # the latest pick checked
        self._kinds = OptionList(*_kind_options(registry), id="new-import-kinds")
        self._tree = FileTree(start, id="new-import-tree")
        self._path = Input(
            placeholder="/path/to/file, then Enter", compact=True, id="new-import-path"
        )
        self._problem = Static(id="new-import-problem")

    def compose(self) -> ComposeResult:
        with Vertical(id="new-import"):
            yield Static(Content("New import"), id="new-import-title")
            yield self._kinds
            yield self._tree
            yield self._path
            yield self._problem
            keys = "Tab: next · Enter: pick · Backspace: up a directory · Esc: cancel"
            yield Static(Content(keys), id="new-import-keys")

    def on_mount(self) -> None:
        self._kinds.highlighted = 0 if self._kinds.option_count else None
        self._kinds.focus()
        self._retitle()

    def _retitle(self) -> None:
        """The parts' titles; the focused one is marked ▶, readable
        without colour."""
        place = shown_directory(self._directory)
        # The chosen kind in words too: its highlight alone is a colour.
        kind = self.chosen_kind()
        chosen = f" for {one_line(kind, 24)}" if kind else ""
        titles = (
            (self._kinds, "Kind"),
            (self._tree, f"File{chosen} in {place}"),
            (self._path, "Or its path (type or paste)"),
        )
        for widget, title in titles:
            marker = "▶ " if widget is self.focused else ""
            widget.border_title = Content(f"{marker}{title}")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self._retitle()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self._retitle()

    def on_option_list_option_highlighted(
        self, event: OptionList.OptionHighlighted
    ) -> None:
        self._retitle()

    def on_directory_changed(self, message: m.DirectoryChanged) -> None:
        self._directory = message.path
        self._retitle()

    def chosen_kind(self) -> str | None:
        index = self._kinds.highlighted
        if index is None:
            return None
        return self._kinds.get_option_at_index(index).id

    # Picking: Enter on a kind moves on to the files; on a file, or in the
    # path, it checks that file for the chosen kind.

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._tree.focus()

    def on_directory_tree_file_selected(
        self, event: DirectoryTree.FileSelected
    ) -> None:
        event.stop()
        self._pick(event.path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if not typed:
            self._say("Type the path of a file, or pick one in the tree.")
            return
        try:
            path = Path(typed).expanduser()
        except RuntimeError:  # `~name` of a user this host does not know
            self._say(f"Cannot queue it: no home directory for {typed!r}")
            return
        self._pick(path)

    def _pick(self, path: Path) -> None:
        kind = self.chosen_kind()
        if kind is None:
            self._say("Choose a kind first.")
            return
        self._say("")
        self._asked = (kind, path)
        self.run_worker(
            partial(self._check, kind, path),
            name=f"check {kind}",
            group="new-import",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _check(self, kind: str, path: Path) -> None:
        # In a thread worker: only posts.
        try:
            absolute, size = checked_file(self._registry, kind, path)
            role = login_role(self._dsn, self._actor)
        except GemmaError as error:
            self.post_message(m.FileRefused(kind, path, str(error)))
            return
        self.post_message(m.FileChecked(kind, path, absolute, size, role))

    def on_file_refused(self, message: m.FileRefused) -> None:
        if self._asked == (message.kind, message.path):
            self._say(f"Cannot queue it: {message.reason}")

    def on_file_checked(self, message: m.FileChecked) -> None:
        if self._asked != (message.kind, message.picked) or not self.is_active:
            return
        chosen = NewImport(message.kind, message.path)
        dialog = enqueue_dialog(
            message.kind, message.path, message.size, message.role, self._registry
        )
        self.app.push_screen(dialog, partial(self._confirmed, chosen))

    def _confirmed(self, chosen: NewImport, confirmed: bool | None) -> None:
        if confirmed:
            self.dismiss(chosen)

    def _say(self, problem: str) -> None:
        self._problem.update(Content(one_line(problem)))
        self._problem.set_class(bool(problem), "-shown")

    def action_cancel(self) -> None:
        self.dismiss(None)


def _kind_options(registry: Registry) -> Iterable[Option]:
    for entry in registry.base_kinds():
        name = one_line(entry.name, 32)
        prompt = Content.assemble((f"{name:<8} ", "bold"), one_line(entry.description))
        yield Option(prompt, id=entry.name)
