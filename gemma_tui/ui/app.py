"""The console App: it owns the state, the workers and the way out.

Thread workers feed it messages: the watcher (live imports, failures and
log lines), the hosted runner (its events), decisions (see `reviewing`)
and the readers of the detail and the history. Their errors reach
`on_worker_state_changed`, the one place that shows them. The views are
Textual modes, each with its own stack of screens. Quitting stops the
runner and waits a bounded time for it to drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual.app import ScreenStackError
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from gemma_tui.db import Connection
from gemma_tui.queue.events import RunnerEvent
from gemma_tui.queue.filters import BadFilter, ImportFilter, parse
from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.runner import Runner, RunnerSettings
from gemma_tui.session import bring_up_to_date
from gemma_tui.text import one_line
from gemma_tui.ui import messages as m
from gemma_tui.ui.banner import Board
from gemma_tui.ui.confirm import Confirm, quit_dialog
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.enqueueing import EnqueueingApp
from gemma_tui.ui.exitguard import ExitGuard
from gemma_tui.ui.filterbar import FilterBar, FilterInput
from gemma_tui.ui.history import HistoryScreen
from gemma_tui.ui.historytable import HistoryTable
from gemma_tui.ui.keys import HelpScreen, Scopes, key_rows
from gemma_tui.ui.locksview import ClaimsTable
from gemma_tui.ui.logpane import LogPane
from gemma_tui.ui.newimport import FileTree, NewImportScreen
from gemma_tui.ui.operating import OPERATIONS
from gemma_tui.ui.palette import ConsoleCommands
from gemma_tui.ui.panes import (
    FailedTable,
    ImportsTable,
    KeyedTable,
    QueuedTable,
    ReviewTable,
)
from gemma_tui.ui.reviewing import any_pending
from gemma_tui.ui.runnersview import RunnerImports, RunnerList
from gemma_tui.ui.screen import ConsoleScreen
from gemma_tui.ui.styles import stylesheets
from gemma_tui.ui.viewing import (
    HISTORY,
    LOCKS,
    LOG,
    OVERVIEW,
    RUNNERS,
    ViewingApp,
)
from gemma_tui.ui.views import ViewScreen
from gemma_tui.ui.watch import Watcher, WatchSettings

log = logging.getLogger(__name__)

__all__ = ["HISTORY", "LOCKS", "LOG", "OVERVIEW", "RUNNERS", "ConsoleApp"]

# How much longer than the runner's own drain grace quitting waits for it.
EXIT_MARGIN = 2.0
# The views a key switches to, by action.
VIEWS = {
    "show_history": HISTORY,
    "show_log": LOG,
    "show_locks": LOCKS,
    "show_runners": RUNNERS,
}


class ConsoleApp(ViewingApp, EnqueueingApp):
    CSS_PATH = stylesheets()
    DEFAULT_MODE = OVERVIEW
    COMMANDS = {ConsoleCommands}  # noqa: RUF012 - Textual types it as a plain set
    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer shows this key on its right; the help lists it here.
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="palette"),
        Binding("1", "show_overview", "Overview", show=False, id="overview"),
        Binding("2,h", "show_history", "History", id="history"),
        # Off the footer, which has no room for them at 80 columns.
        Binding("3", "show_log", "Log", show=False, id="log_view"),
        Binding("4", "show_locks", "Locks", show=False, id="locks_view"),
        Binding("5", "show_runners", "Runners", show=False, id="runners_view"),
        Binding("slash", "open_filter", "Filter", id="filter"),
        Binding("question_mark", "show_help", "Keys", id="help"),
        Binding("q", "ask_quit", "Quit", id="quit"),
        Binding(
            "ctrl+q", "quit_now", "Quit now", show=False, priority=True, id="quit_now"
        ),
    ]

    def __init__(
        self,
        dsn: str,
        registry: Registry,
        *,
        run_runner: bool = True,
        runner_settings: RunnerSettings | None = None,
        reviewer: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        title_suffix: str = "",
        read_only: bool = False,
        schema_unchecked: bool = False,
        keymap: Mapping[str, str] | None = None,
        theme: str | None = None,
        watch_settings: WatchSettings | None = None,
        notices: tuple[str, ...] = (),
    ) -> None:
        super().__init__(dsn, registry, reviewer)
        # Keys remapped by binding id (the help lists the ids).
        self._remapped = dict(keymap or {})
        self.set_keymap(self._remapped)
        if theme is not None:
            self.theme = theme
        self._watch_settings = watch_settings
        # What went wrong before the screen existed (kind plugins skipped):
        # stderr is hidden behind the screen, so the log pane says it.
        self._notices = notices
        # Read-only: the keys that change things are gone, and the sessions
        # (whose dsn the host made read-only) could not change them anyway.
        self._read_only = read_only
        self._run_runner = run_runner and not read_only
        # The host could not reach the database to migrate it: the watcher
        # does, once it gets through.
        self._schema_unchecked = schema_unchecked and not read_only
        self._runner_started = not self._schema_unchecked
        self._runner_settings = runner_settings or RunnerSettings()
        self._clock = clock
        self._failed: tuple[ImportRow, ...] = ()
        self._filter_text = ""
        self._filter = ImportFilter()
        self._history: HistoryScreen | None = None
        self._running_here: set[int] = set()
        self._runner: Runner | None = None  # the hosted one, once started
        self._stop = threading.Event()
        self._runner_done = threading.Event()
        self._runner_done.set()  # cleared while a hosted runner is started
        self._leaving = False
        drain_wait = self._runner_settings.drain_grace + EXIT_MARGIN
        self._exit_guard = ExitGuard(
            self._runner_done, drain_wait, self._guard_signalled
        )
        self._signal_loop: asyncio.AbstractEventLoop | None = None  # once running
        self._caught: int | None = None  # SIGHUP or SIGTERM, once one came
        self._screen_up = False  # the screen is up
        self.board = Board()
        self._view = ConsoleScreen(clock().tzinfo, self.board)
        self.add_mode(OVERVIEW, lambda: self._view)
        self.add_mode(HISTORY, self._make_history)
        self._add_views()
        self.title = _title(title_suffix)
        self.sub_title = _sub_title(self._run_runner, reviewer, read_only)

    def on_ready(self) -> None:
        # Ready, not Mount: the screen's panes exist only once it has drawn,
        # and the workers' first messages need them.
        if not self._run_runner:
            self._view.locks.without_runner()
        # Up first, then the look: a signal between the two is left to
        # `_signalled`, which comes after.
        self._screen_up = True
        if self._caught is not None:
            # Signalled while the screen came up.
            self.exit(return_code=128 + self._caught)
            return
        self._tell_notices()
        self.set_interval(1.0, self._show_imports)
        self._start("watcher", self._watch)
        if not self._schema_unchecked:
            self._start_runner()

    def _tell_notices(self) -> None:
        for notice in self._notices:
            self._view.log_pane.notice(self._clock(), "warn", notice)
        if self._notices:
            count = len(self._notices)
            self.notify(
                f"{count} problem(s) at start; see the log pane",
                severity="warning",
                timeout=15,
            )

    def _start_runner(self) -> None:
        if self._run_runner and not self._stop.is_set() and self._runner_done.is_set():
            self._runner_done.clear()
            self._start("runner", self._run_hosted_runner)

    def on_unmount(self) -> None:
        # However the App ends, the runner must not outlive it unstopped.
        self._stop.set()

    # The workers; each runs in a thread and only posts messages.

    def _start(self, name: str, work: Callable[[], None]) -> None:
        self.run_worker(work, name=name, group=name, thread=True, exit_on_error=False)

    def _watch(self) -> None:
        closing = get_current_worker().cancelled_event
        watcher = Watcher(
            self._dsn,
            self.post_message,
            self._watch_settings,
            clock=self._clock,
            prepare=self._prepare,
        )
        watcher.run(closing)

    def _prepare(self, conn: Connection) -> None:
        # In the watcher's thread; a failure here is retried as a lost
        # connection is.
        if self._schema_unchecked:
            bring_up_to_date(conn)
            self._schema_unchecked = False

    def _run_hosted_runner(self) -> None:
        settings = self._runner_settings
        runner = Runner(self._dsn, self._kinds, settings, report=self._reported)
        self._runner = runner
        try:
            runner.run(self._stop)
        finally:
            self._runner_done.set()

    def _reported(self, event: RunnerEvent) -> None:
        # Called in the runner's threads.
        self.post_message(m.from_runner(event))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        reason = one_line(str(worker.error) or type(worker.error).__name__)
        if worker.group in ("watcher", "runner"):
            self.board.say(worker.group, f"The {worker.group} stopped: {reason}")
        else:
            self.notify(reason, title="Failed", severity="error", markup=False)

    # What the watcher reports.

    def on_imports_refreshed(self, message: m.ImportsRefreshed) -> None:
        before, self._imports = self._imports, {row.id: row for row in message.imports}
        self._forget_decided_marks()
        self._show_imports()
        if self._imports_in_review() != any_pending(before.values()):
            # Accept and decline come and go with pending imports; the
            # footer is rebuilt only then, not on every refresh.
            self.refresh_bindings()
        detail = self._detail_shown()
        if detail and (
            detail.waits
            or before.get(detail.import_id) != self._imports.get(detail.import_id)
        ):
            detail.reload()
        shown = self._top_screen()
        if isinstance(shown, HistoryScreen):
            shown.table.reread()

    def on_failures_refreshed(self, message: m.FailuresRefreshed) -> None:
        self._failed = message.imports
        self._view.count_failures(message.total, message.window)
        self._show_imports()

    def _show_imports(self) -> None:
        if self.current_mode != OVERVIEW:
            # Hidden panes wait: showing the overview again brings them up
            # to date (action_show_overview), at no cost meanwhile.
            self._show_views()
            return
        rows = [*self._imports.values(), *self._failed]
        shown = [row for row in rows if self._filter.matches(row)]
        self._view.show_imports(shown, self._clock(), frozenset(self._marks_shown()))

    def _marks_shown(self) -> set[int]:
        rows = (self._imports.get(number) for number in self._marked)
        return {row.id for row in rows if row and self._filter.matches(row)}

    def on_runners_refreshed(self, message: m.RunnersRefreshed) -> None:
        self._runners = message.runners
        self._view.show_runners(message.runners, self._clock(), self._runner_id())
        self._show_views()

    def _runner_id(self) -> int | None:
        return None if self._runner is None else self._runner.runner_id

    def on_runners_unreadable(self, message: m.RunnersUnreadable) -> None:
        self._runners = ()
        self._view.runners.unreadable(message.reason)
        if self._runners_view is not None and self._runners_view.is_mounted:
            self._runners_view.unreadable(message.reason)

    def on_log_lines_arrived(self, message: m.LogLinesArrived) -> None:
        self._view.log_pane.add(message.lines)
        self._feed_log(message.lines)
        detail = self._detail_shown()
        if detail and any(line.import_id == detail.import_id for line in message.lines):
            detail.reload()

    def _detail_shown(self) -> DetailScreen | None:
        screen = self._top_screen()
        return screen if isinstance(screen, DetailScreen) else None

    def _top_screen(self) -> Screen[object] | None:
        # The watcher's messages still arrive while the App is taken down,
        # when no screen is left.
        try:
            return self.screen
        except ScreenStackError:
            return None

    def on_log_stream_unavailable(self, message: m.LogStreamUnavailable) -> None:
        self._view.log_pane.unavailable(message.reason)
        if self._log_view is not None and self._log_view.is_mounted:
            self._log_view.log_pane.unavailable(message.reason)

    def on_database_lost(self, message: m.DatabaseLost) -> None:
        text = f"Database unreachable: {message.reason}"
        retry = f"trying again in {message.retry_in:g} s"
        self.board.say("database", f"{text} ({retry})")

    def on_database_reached(self, message: m.DatabaseReached) -> None:
        self.board.withdraw("database")
        # Reached, the schema is up to date (the watcher saw to it): a runner
        # held back for that may start. Started once; later calls do nothing.
        if not self._runner_started:
            self._runner_started = True
            self._start_runner()

    # What the operator chose: views, an import, the keys.

    def on_import_chosen(self, message: m.ImportChosen) -> None:
        detail = DetailScreen(message.import_id, self._dsn, self._kinds, self._clock)
        self.push_screen(detail)

    def action_show_overview(self) -> None:
        self.switch_mode(OVERVIEW)
        self._show_imports()

    def action_show_history(self) -> None:
        self.switch_mode(HISTORY)

    def _make_history(self) -> HistoryScreen:
        zone = self._clock().tzinfo
        self._history = HistoryScreen(
            self._dsn, zone, self._filter, self._filter_text, self.board
        )
        return self._history

    def action_show_help(self) -> None:
        rows = key_rows(self.key_scopes(), self._remapped)
        self.push_screen(HelpScreen(rows))

    @staticmethod
    def key_scopes() -> Scopes:
        """Where the console declares keys, for the help."""
        return [
            ("Everywhere", [ConsoleApp]),
            (
                "Overview",
                [ConsoleScreen, KeyedTable, ImportsTable, ReviewTable, QueuedTable],
            ),
            ("Failed pane", [FailedTable]),
            ("Log pane", [LogPane]),
            ("Filter", [FilterInput]),
            ("History", [HistoryScreen, HistoryTable]),
            ("Log, Locks and Runners views", [ViewScreen]),
            ("Locks view", [ClaimsTable]),
            ("Runners view", [RunnerList, RunnerImports]),
            ("Import detail", [DetailScreen]),
            ("New import", [NewImportScreen, FileTree]),
            ("Dialogs", [Confirm]),
            ("This list", [HelpScreen]),
        ]

    # The filter: one for every list.

    def action_open_filter(self) -> None:
        for bar in self.screen.query(FilterBar):
            bar.edit(self._filter_text)

    def on_filter_written(self, message: m.FilterWritten) -> None:
        try:
            found = parse(message.text, self._kinds)
        except BadFilter as error:
            self.notify(str(error), title="Filter", severity="error", markup=False)
            return
        self._apply_filter(message.text if found else "", found)

    def action_clear_filter(self) -> None:
        self._apply_filter("", ImportFilter())

    def _apply_filter(self, text: str, found: ImportFilter) -> None:
        self._filter_text, self._filter = text, found
        screens = [
            self._view,
            self._history,
            self._log_view,
            self._locks_view,
            self._runners_view,
        ]
        for screen in screens:
            if screen is not None:
                for bar in screen.query(FilterBar):
                    bar.show(text)
        self._show_imports()
        self._refilter_views()
        if self._history is not None and self._history.is_mounted:
            self._history.table.reset(where=found)
        self.refresh_bindings()

    # What the hosted runner reports.

    def on_runner_started(self, message: m.RunnerStarted) -> None:
        requeued = ", ".join(f"#{number}" for number in message.event.requeued)
        if requeued:
            self.notify(f"Queued again, left running by a stopped runner: {requeued}")

    def on_import_started(self, message: m.ImportStarted) -> None:
        self._running_here.add(message.event.import_id)
        self.board.withdraw("runner")

    def on_import_finished(self, message: m.ImportFinished) -> None:
        self._running_here.discard(message.event.import_id)

    def on_locks_changed(self, message: m.LocksChanged) -> None:
        self._view.locks.show(message.event.holdings)

    def on_runner_troubled(self, message: m.RunnerTroubled) -> None:
        self.board.say("runner", f"Runner: {message.event.message}")

    def on_runner_stopped(self, message: m.RunnerStopped) -> None:
        self._running_here.clear()
        self._view.locks.show(())
        self.board.withdraw("runner")

    # Which keys apply now (the decisions themselves: see reviewing).

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            # False passes Escape on to the next binding (back, on history).
            return bool(self._filter_text)
        if action == "open_filter":
            return bool(self.screen.query(FilterBar))
        if action in VIEWS:
            return self.current_mode != VIEWS[action]
        if action in OPERATIONS:
            return self.may_operate(action)
        if action == "enqueue":
            return self.may_enqueue()
        if action in ("accept_matching", "decline_matching"):
            # Only with a filter: without one, "all" is too easy to reach.
            if self._read_only or not self._filter:
                return False
            return True if self.matching_pending() and not self._leaving else None
        if action in ("accept", "decline", "toggle_mark"):
            if self._read_only:
                return False
            if (pending := self.detail_pending()) is not None:
                # On a detail: only for the import shown, if in review.
                return pending and action != "toggle_mark" and not self._leaving
            # None shows the key greyed out in the footer.
            return True if self._imports_in_review() and not self._leaving else None
        return True

    def _sub_title_now(self) -> str:
        paused = self.runner_paused() is True
        return _sub_title(self._run_runner, self._reviewer, self._read_only, paused)

    # The way out.

    def action_ask_quit(self) -> None:
        if not self._running_here:
            self._leave()
            return
        grace = self._runner_settings.drain_grace
        dialog = quit_dialog(len(self._running_here), grace)
        self.push_screen(dialog, lambda confirmed: self._leave() if confirmed else None)

    def action_quit_now(self) -> None:
        if self._leaving:
            # Asked twice: stop waiting for the runner.
            self.exit()
            return
        self._leave()

    def _leave(self) -> None:
        if not self._leaving:
            self._leaving = True
            self.run_worker(self._stop_then_exit(), name="leave", group="leave")

    async def _stop_then_exit(self) -> None:
        self._stop.set()
        if not self._runner_done.is_set():
            waiting = "Stopping the runner: waiting for running imports to end…"
            self.board.say("leave", waiting)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._runner_settings.drain_grace + EXIT_MARGIN
        while not self._runner_done.is_set() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.exit()

    def stop_runner(self, timeout: float | None = None) -> bool:
        """Stops the hosted runner and waits for it; True once it has ended.

        The host calls this after `run()` returns, since a signal ends the
        UI at once and leaves the runner draining in its thread.
        """
        self._stop.set()
        if timeout is None:
            timeout = self._runner_settings.drain_grace + EXIT_MARGIN
        return self._runner_done.wait(timeout)

    def _catch_signals(self) -> dict[int, Any]:
        """Takes SIGHUP (an SSH session dropped) and SIGTERM (a service
        manager, kill), which Textual leaves alone: without these the
        process dies with its imports left running until some runner
        recovers them. Returns the handlers they replace."""
        replaced: dict[int, Any] = {}
        for number in (signal.SIGHUP, signal.SIGTERM):
            # Not the loop's handlers: these run even while the loop is
            # stuck writing to a terminal that is gone, and before the
            # screen is up. They only tell the exit guard.
            with contextlib.suppress(ValueError):  # not the main thread
                replaced[number] = signal.signal(number, self._on_signal)
        return replaced

    def _on_signal(self, number: int, frame: object) -> None:
        self._exit_guard.signalled(number)

    def _guard_signalled(self, number: int) -> None:
        # In the exit guard's thread.
        self._caught = number
        self._stop.set()
        if self._signal_loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                self._signal_loop.call_soon_threadsafe(self._signalled)

    def _signalled(self) -> None:
        # The terminal may be gone: leave the screen now; the host waits
        # for the runner to drain (`stop_runner`). Before the screen is
        # ready, `on_ready` leaves instead.
        if self._caught is None:
            return
        log.info("leaving on %s", signal.Signals(self._caught).name)
        self._leaving = True
        if self._screen_up:
            self.exit(return_code=128 + self._caught)

    async def run_async(self, **options: Any) -> Any:
        # Returns what `exit` was given, as Textual's own does.
        replaced = {}
        if not options.get("headless"):
            self._signal_loop = asyncio.get_running_loop()
            self._exit_guard.start()
            replaced = self._catch_signals()
        try:
            return await super().run_async(**options)
        finally:
            self._exit_guard.stand_down()
            for number, handler in replaced.items():
                signal.signal(number, handler)


def _title(suffix: str) -> str:
    suffix = one_line(suffix)
    return f"gemma-tui · {suffix}" if suffix else "gemma-tui"


def _sub_title(
    run_runner: bool, reviewer: str | None, read_only: bool, paused: bool = False
) -> str:
    if read_only:
        return "read-only"
    mode = "runner on" if run_runner else "monitor only"
    mode = "runner paused" if paused else mode
    return f"{mode} · deciding as {one_line(reviewer)}" if reviewer else mode
