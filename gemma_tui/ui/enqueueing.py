"""A new import from a file, queued from the console (`n`).

`ConsoleApp` builds on this. The dialog (`newimport`) chooses a kind and
a file and confirms them; then a thread worker checks the file again and
queues the import as the console's role, with the checks the command line
makes (`imports.file_data`, `operate.enqueue_as_operator`), and a line in
its log naming that role. The worker reports in messages; the watcher
shows the new import in the Queued pane once it reads it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from gemma_tui.db import connect
from gemma_tui.errors import GemmaError
from gemma_tui.queue.imports import file_data
from gemma_tui.queue.operate import enqueue_as_operator
from gemma_tui.text import one_line
from gemma_tui.ui import messages as m
from gemma_tui.ui.newimport import NewImport, NewImportScreen
from gemma_tui.ui.operating import OperatingApp


class EnqueueingApp(OperatingApp):
    def may_enqueue(self) -> bool:
        """Whether `n` applies now: never in a read-only console."""
        return not self._read_only and not self._leaving

    def action_enqueue(self) -> None:
        if not self._kinds.base_kinds():
            self.notify("No import kind is installed here.", severity="warning")
            return
        dialog = NewImportScreen(
            self._kinds, start_directory(), self._dsn, self._reviewer
        )
        self.push_screen(dialog, self._new_import_chosen)

    def _new_import_chosen(self, chosen: NewImport | None) -> None:
        if chosen is None:
            return
        self.run_worker(
            partial(self._enqueue_file, chosen),
            name=f"enqueue {chosen.kind}",
            group="operations",
            thread=True,
            exit_on_error=False,
        )

    def _enqueue_file(self, chosen: NewImport) -> None:
        # In a thread worker: only posts.
        kind, path = chosen.kind, chosen.path
        try:
            data = file_data(path)
            with connect(self._dsn) as conn:
                new = enqueue_as_operator(
                    conn, self._kinds, kind, data, actor=self._reviewer
                )
        except GemmaError as error:
            self.post_message(m.EnqueueFailed(kind, path, str(error)))
            return
        self.post_message(m.ImportEnqueued(new, kind, path))

    def on_import_enqueued(self, message: m.ImportEnqueued) -> None:
        name = one_line(message.path.name, 40)
        kind = one_line(message.kind, 24)
        self.notify(f"Queued #{message.import_id}: {kind}, {name}.", markup=False)

    def on_enqueue_failed(self, message: m.EnqueueFailed) -> None:
        self.notify(
            one_line(message.reason),
            title="Cannot queue the import",
            severity="error",
            markup=False,
        )


def start_directory() -> Path:
    """Where the file tree starts: the current directory, or when that is
    gone the home directory, or else the root."""
    try:
        return Path.cwd()
    except OSError:
        pass
    try:
        return Path.home()
    except RuntimeError:
        return Path("/")
