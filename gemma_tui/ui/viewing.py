"""The console's views besides the overview and the history: the log
(`3`), the dependency locks (`4`) and the runners (`5`).

`ConsoleApp` builds on this. Each view is a Textual mode, made when first
shown. The App feeds them from what its workers already report (the live
imports, the runners, the log lines) and from nothing else; a view that
is not shown waits, and is brought up to date when it is shown again.
"""

from __future__ import annotations

from datetime import datetime

from gemma_tui.queue.imports import ImportRow, LogLine
from gemma_tui.queue.runners import RunnerRow
from gemma_tui.queue.waiting import Claim, claims
from gemma_tui.ui.banner import Board
from gemma_tui.ui.locksview import LocksScreen
from gemma_tui.ui.operating import OperatingApp
from gemma_tui.ui.runnersview import RunnersScreen
from gemma_tui.ui.views import LogScreen

# The views, as Textual modes: each keeps its own stack of screens.
OVERVIEW = "overview"
HISTORY = "history"
LOG = "log"
LOCKS = "locks"
RUNNERS = "runners"


class ViewingApp(OperatingApp):
    _runners: tuple[RunnerRow, ...]
    _log_view: LogScreen | None
    _locks_view: LocksScreen | None
    _runners_view: RunnersScreen | None
    board: Board

    def _add_views(self) -> None:
        self._runners = ()
        self._log_view = self._locks_view = self._runners_view = None
        self.add_mode(LOG, self._make_log)
        self.add_mode(LOCKS, self._make_locks)
        self.add_mode(RUNNERS, self._make_runners)

    def _now(self) -> datetime:
        return self._clock()

    def _runner_id(self) -> int | None:
        raise NotImplementedError

    # Making and showing them.

    def _make_log(self) -> LogScreen:
        kept = self._view.log_pane.kept
        zone = self._now().tzinfo
        self._log_view = LogScreen(
            zone, kept, self._line_wanted, self._filter_text, self.board
        )
        return self._log_view

    def _make_locks(self) -> LocksScreen:
        self._locks_view = LocksScreen(self._filter_text, self.board)
        return self._locks_view

    def _make_runners(self) -> RunnersScreen:
        self._runners_view = RunnersScreen(self._filter_text, self.board)
        return self._runners_view

    def action_show_log(self) -> None:
        self.switch_mode(LOG)

    def action_show_locks(self) -> None:
        self.switch_mode(LOCKS)
        self.call_after_refresh(self._show_views)

    def action_show_runners(self) -> None:
        self.switch_mode(RUNNERS)
        self.call_after_refresh(self._show_views)

    # Feeding them.

    def _show_views(self) -> None:
        """Brings the view shown up to date; the others wait."""
        if self.current_mode == LOCKS and self._locks_view is not None:
            self._show_locks(self._locks_view)
        elif self.current_mode == RUNNERS and self._runners_view is not None:
            view = self._runners_view
            if view.is_mounted:
                view.show(self._runners, self._imports, self._now(), self._runner_id())

    def _show_locks(self, view: LocksScreen) -> None:
        if not view.is_mounted:
            return
        rows = list(self._imports.values())
        running = [row for row in rows if row.state == "running"]
        queued = [row for row in rows if row.state == "queued"]
        found = claims(running, queued, self._kinds, self._now())
        if self._filter:
            found = [claim for claim in found if self._claim_wanted(claim)]
        view.table.show(found, self._imports, self._now())

    def _claim_wanted(self, claim: Claim) -> bool:
        """Whether the filter matches the holder or an import waiting."""
        holder = [claim.holder.import_id] if claim.holder else []
        rows = (self._imports.get(number) for number in [*holder, *claim.waiting])
        return any(row is not None and self._filter.matches(row) for row in rows)

    def _feed_log(self, lines: tuple[LogLine, ...]) -> None:
        view = self._log_view
        if view is not None and view.is_mounted:
            view.log_pane.add(lines)

    def _line_wanted(self, line: LogLine) -> bool:
        """Whether the filter shows the line's import; its state as the
        console lists it now, else as read with the line."""
        known: ImportRow | None = self._imports.get(line.import_id)
        if known is None:
            known = next(
                (row for row in self._failed if row.id == line.import_id), None
            )
        state = known.state if known else line.state
        return self._filter.matches_import(
            line.import_id, state, line.kind, line.username
        )

    def _refilter_views(self) -> None:
        """Applies a new filter to the log panes and the view shown."""
        self._view.log_pane.narrow(self._line_wanted)
        if self._log_view is not None and self._log_view.is_mounted:
            self._log_view.log_pane.narrow(self._line_wanted)
        self._show_views()
