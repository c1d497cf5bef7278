"""The detail view of one import: what it is, its timeline, data, log, errors.

The screen reads the import in a thread worker and shows what the worker
posts; the App asks it to read again when the import may have changed.
Its log shows the levels the operator has switched on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import ClassVar

import psycopg
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from gemma_tui.db import connect
from gemma_tui.errors import GemmaError, readable
from gemma_tui.queue.detail import ImportDetail, read_detail
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.waiting import Waiting, why_waiting
from gemma_tui.text import one_line
from gemma_tui.ui import describe
from gemma_tui.ui.logpane import Levels
from gemma_tui.ui.messages import DetailRead, DetailUnreadable
from gemma_tui.ui.quietlog import QuietLog
from gemma_tui.ui.waitingtext import waiting_text
from gemma_tui.ui.wrapping import room, wrapped

# The level word follows the date and the time (see describe.entry_line).
_LEVEL = re.compile(r"^\S+ \S+ (warn|error)\b")


class DetailLog(QuietLog):
    """The import's own log, with only the levels that are switched on."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"detail-log--warn", "detail-log--error"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(highlight=True, id=id)
        self.highlighter = Levels(self, _LEVEL, "detail-log")
        self.levels = set(describe.LEVELS)
        self._detail: ImportDetail | None = None
        self._zone: tzinfo | None = None
        self._wrapped_at = 0  # the width the lines were wrapped for

    def show(self, detail: ImportDetail, zone: tzinfo | None) -> None:
        self._detail, self._zone = detail, zone
        self._redraw()

    def toggle(self, level: str) -> None:
        self.levels ^= {level}
        self._redraw()

    def on_resize(self, event: events.Resize) -> None:
        if room(self) != self._wrapped_at:
            self._redraw()

    def _redraw(self) -> None:
        following = self.is_vertical_scroll_end
        self.clear()
        detail = self._detail
        shown = [] if detail is None else self._shown(detail)
        self._wrapped_at = width = room(self)
        console = self.app.console
        self.write_lines(
            [part for line in shown for part in wrapped(line, width, console)]
        )
        if following:
            self.call_after_refresh(self.scroll_end, animate=False)
        self.border_title = Content(self._title(len(shown)))

    def _shown(self, detail: ImportDetail) -> list[str]:
        return [
            describe.entry_line(entry, self._zone)
            for entry in detail.log
            if entry.level in self.levels
        ]

    def _title(self, shown: int) -> str:
        on = [level for level in describe.LEVELS if level in self.levels]
        levels = ", ".join(on) if on else "no levels"
        total = self._detail.lines if self._detail else 0
        kept = len(self._detail.log) if self._detail else 0
        read = f"newest {kept} of {total}" if kept < total else f"{total}"
        return f"Log · showing {levels} (i w e) · {shown} of {read} lines"


class DetailScreen(Screen[None]):
    """One import in full; Escape goes back to where it was opened."""

    # One column of panes below 120 cells, two from there on (the CSS).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        # Named in the log's title: at 80 columns the footer keeps its room
        # for the keys that act on the import, and for q.
        Binding("i", "toggle_level('info')", "Info", show=False, id="detail.info"),
        Binding("w", "toggle_level('warn')", "Warnings", show=False, id="detail.warn"),
        Binding("e", "toggle_level('error')", "Errors", show=False, id="detail.error"),
        Binding("a", "app.accept", "Accept", id="detail.accept"),
        Binding("d", "app.decline", "Decline", id="detail.decline"),
        Binding("r", "app.retry_import", "Retry", id="detail.retry"),
        Binding("c", "app.cancel_import", "Cancel", id="detail.cancel"),
        Binding("tab", "app.focus_next", "Panes", id="detail.next_pane"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous pane",
            show=False,
            id="detail.previous_pane",
        ),
    ]

    def __init__(
        self,
        import_id: int,
        dsn: str,
        registry: Registry,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.import_id = import_id
        self._dsn = dsn
        self._registry = registry
        self._clock = clock
        self.detail: ImportDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Container(id="detail-panes"):
            with VerticalScroll(id="detail-facts"):
                yield Static(Content(f"Reading import #{self.import_id}…"), id="facts")
                yield Static(
                    Content("Why is it waiting?"), classes="heading", id="waiting-head"
                )
                yield Static(id="waiting")
                yield Static(Content("Data"), classes="heading")
                yield Static(id="data")
                yield Static(Content("Summary"), classes="heading")
                yield Static(id="summary")
            yield DetailLog(id="detail-log")
            with VerticalScroll(id="detail-errors"):
                yield Static(id="errors")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#detail-facts").border_title = Content(
            f"Import #{self.import_id}"
        )
        self.query_one("#detail-errors").border_title = Content("Errors")
        self.reload()

    def reload(self) -> None:
        """Reads the import again, in a worker; the latest read wins."""
        self.run_worker(
            self._read,
            name=f"read #{self.import_id}",
            group="detail",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _read(self) -> None:
        if get_current_worker().is_cancelled:
            return
        try:
            with connect(self._dsn) as conn:
                detail = read_detail(conn, self.import_id)
                waiting = None
                if detail.state == "queued":
                    waiting = why_waiting(
                        conn, self._registry, self.import_id, detail.kind
                    )
        except psycopg.Error as error:
            self.post_message(DetailUnreadable(self.import_id, str(readable(error))))
            return
        except GemmaError as error:
            self.post_message(DetailUnreadable(self.import_id, str(error)))
            return
        self.post_message(DetailRead(detail, waiting))

    def on_detail_read(self, message: DetailRead) -> None:
        self.detail = detail = message.detail
        # Retry and cancel come and go with the state.
        self.app.refresh_bindings()
        now, zone = self._clock(), self._clock().tzinfo
        facts = describe.facts(detail, now, zone, self._registry)
        self.query_one("#facts", Static).update(facts)
        self._show_waiting(message.waiting, detail.kind, now)
        self.query_one("#data", Static).update(
            describe.json_text(detail.data, "no data")
        )
        self.query_one("#summary", Static).update(
            describe.json_text(detail.summary, _no_summary(detail.state))
        )
        self.query_one("#errors", Static).update(
            describe.errors_text(detail.error_entries, zone)
        )
        panes = self.query_one("#detail-panes")
        panes.set_class(not detail.error_entries, "-no-errors")
        self.query_one("#detail-facts").border_title = Content(
            describe.headline(detail)
        )
        self.query_one(DetailLog).show(detail, zone)

    @property
    def waits(self) -> bool:
        """Whether it shows a queued import (whose reasons change as other
        imports start and end)."""
        return self.detail is not None and self.detail.state == "queued"

    def _show_waiting(self, waiting: Waiting | None, kind: str, now: datetime) -> None:
        for part in self.query("#waiting-head, #waiting"):
            part.display = waiting is not None
        if waiting is not None:
            text = waiting_text(waiting, kind, now, now.tzinfo)
            self.query_one("#waiting", Static).update(text)

    def on_detail_unreadable(self, message: DetailUnreadable) -> None:
        reason = one_line(message.reason)
        self.query_one("#facts", Static).update(Content(reason))

    def action_back(self) -> None:
        self.dismiss()

    def action_toggle_level(self, level: str) -> None:
        self.query_one(DetailLog).toggle(level)


def _no_summary(state: str) -> str:
    # Only an import that has yet to end may still give one.
    return "none yet" if state in ("queued", "running") else "none"
