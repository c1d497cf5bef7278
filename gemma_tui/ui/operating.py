"""What the operator does besides deciding: retry a failed import now,
cancel a queued one, pause and resume this console's runner.

`ConsoleApp` builds on this. The keys act on the import of the detail
shown, or else on the highlighted row of the focused pane, fixed when the
key is pressed; each action waits behind a confirmation that names its
import, and then runs in a thread worker (see `gemma_tui.queue.operate`),
which checks the state again in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from gemma_tui.db import connect
from gemma_tui.errors import GemmaError
from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.operate import cancel, retry_now
from gemma_tui.queue.runner import Runner
from gemma_tui.ui import messages as m
from gemma_tui.ui.cells import soon
from gemma_tui.ui.confirm import cancel_dialog, pause_dialog, retry_dialog
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.panes import ImportsTable
from gemma_tui.ui.reviewing import ReviewingApp

# The state each action needs.
NEEDS = {"retry": "failed", "cancel": "queued"}
# The App's actions this module decides on (see `may_operate`).
OPERATIONS = ("retry_import", "cancel_import", "pause_runner", "resume_runner")


@dataclass(frozen=True, slots=True)
class Target:
    """An import as the console knows it when an action is asked."""

    id: int
    state: str
    kind: str
    username: str
    due: datetime


class OperatingApp(ReviewingApp):
    _runner: Runner | None
    _running_here: set[int]
    _failed: tuple[ImportRow, ...]
    _read_only: bool
    _clock: Callable[[], datetime]

    def may_operate(self, action: str) -> bool:
        """Whether one of `OPERATIONS` applies now."""
        if self._read_only or self._leaving:
            return False
        if action in ("pause_runner", "resume_runner"):
            paused = self.runner_paused()
            return paused is not None and paused == (action == "resume_runner")
        screen = self.screen
        if isinstance(screen, DetailScreen):
            # Offered only where it applies: retry on a failed import,
            # cancel on a queued one.
            detail = screen.detail
            needed = "failed" if action == "retry_import" else "queued"
            return detail is not None and detail.state == needed
        return True

    def _targets(self) -> dict[int, Target]:
        """Every import the console holds now, live and failed."""
        rows = [*self._imports.values(), *self._failed]
        return {
            row.id: Target(row.id, row.state, row.kind, row.username, row.due)
            for row in rows
        }

    def _find(self, import_id: int) -> Target | None:
        found = self._targets().get(import_id)
        screen = self.screen
        if isinstance(screen, DetailScreen) and screen.import_id == import_id:
            detail = screen.detail
            if detail is not None:
                found = Target(
                    detail.id, detail.state, detail.kind, detail.username, detail.due
                )
        return found

    def known_import(self, import_id: int) -> str | None:
        """`kind, state` of an import the console holds, if it does."""
        found = self._find(import_id)
        return None if found is None else f"{found.kind}, {found.state}"

    def chosen_import(self) -> int | None:
        """The import an action would act on now: the detail's, or the
        highlighted one of the focused pane."""
        screen = self.screen
        if isinstance(screen, DetailScreen):
            return screen.import_id
        focused = self.focused
        if isinstance(focused, ImportsTable) and focused.highlighted_key:
            return int(focused.highlighted_key)
        return None

    def action_retry_import(self) -> None:
        self._ask_to_act("retry")

    def action_cancel_import(self) -> None:
        self._ask_to_act("cancel")

    def _ask_to_act(self, action: str) -> None:
        import_id = self.chosen_import()
        if import_id is None:
            self.notify("No import is highlighted.", severity="warning")
            return
        target = self._find(import_id)
        if target is None:
            self.notify(f"Cannot find import #{import_id}.", severity="warning")
            return
        needed = NEEDS[action]
        if target.state != needed:
            self.notify(
                f"#{target.id} is {target.state}, not {needed}",
                severity="warning",
                markup=False,
            )
            return
        if action == "retry":
            dialog = retry_dialog(target.id, target.kind, target.username, self._kinds)
        else:
            when = soon(target.due, self._clock())
            dialog = cancel_dialog(
                target.id, target.kind, target.username, when, self._kinds
            )
        act = partial(self._act, action, target.id)
        self.push_screen(dialog, lambda yes: act() if yes else None)

    def _act(self, action: str, import_id: int) -> None:
        self.run_worker(
            partial(self._operate, action, import_id),
            name=f"{action} #{import_id}",
            group="operations",
            thread=True,
            exit_on_error=False,
        )

    def _operate(self, action: str, import_id: int) -> None:
        # In a thread worker: only posts.
        try:
            with connect(self._dsn) as conn:
                if action == "retry":
                    new = retry_now(conn, import_id, actor=self._reviewer)
                    self.post_message(m.ImportRetried(import_id, new))
                else:
                    cancel(conn, import_id, actor=self._reviewer)
                    self.post_message(m.ImportCancelled(import_id))
        except GemmaError as error:
            self.post_message(m.ActionFailed(action, import_id, str(error)))

    def on_import_retried(self, message: m.ImportRetried) -> None:
        self.notify(f"Queued #{message.import_id} again now as #{message.retry_id}.")

    def on_import_cancelled(self, message: m.ImportCancelled) -> None:
        self.notify(f"Cancelled #{message.import_id}; it will not run.")

    def on_action_failed(self, message: m.ActionFailed) -> None:
        title = f"Cannot {message.action} #{message.import_id}"
        self.notify(message.reason, title=title, severity="error", markup=False)

    # This console's runner.

    def runner_paused(self) -> bool | None:
        """Whether the hosted runner is paused; None without one."""
        return None if self._runner is None else self._runner.paused

    def action_pause_runner(self) -> None:
        self._ask_to_pause(pause=True)

    def action_resume_runner(self) -> None:
        self._ask_to_pause(pause=False)

    def _ask_to_pause(self, *, pause: bool) -> None:
        runner = self._runner
        if runner is None:
            return
        by = self._reviewer or "the login role"
        switch = runner.pause if pause else runner.resume
        dialog = pause_dialog(pause, len(self._running_here))
        self.push_screen(dialog, lambda yes: switch(by) if yes else None)

    def on_runner_paused(self, message: m.RunnerPaused) -> None:
        event = message.event
        self.sub_title = self._sub_title_now()
        self.refresh_bindings()
        if event.paused:
            self.notify("This console's runner is paused: it starts nothing new.")
        else:
            self.notify("This console's runner takes imports again.")

    def _sub_title_now(self) -> str:
        raise NotImplementedError
