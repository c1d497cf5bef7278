"""The console's decisions: marks, the confirmation, the worker's reports.

`ConsoleApp` builds on this: it keeps `_imports` (the live imports the
watcher read), `_view` (the overview), the filter and `_show_imports`. A
decision names the imports fixed when its confirmation opened: the marked
ones that show, or else the highlighted one, or every pending import the
filter matches. A mark the filter hides stays, unused.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import App
from textual.worker import get_current_worker

from gemma_tui.queue.filters import ImportFilter
from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.kinds import Registry
from gemma_tui.text import one_line
from gemma_tui.ui import messages as m
from gemma_tui.ui.confirm import batch_dialog, decision_dialog, ids_text
from gemma_tui.ui.decisions import Decider, Decision
from gemma_tui.ui.detail import DetailScreen
from gemma_tui.ui.screen import ConsoleScreen


class ReviewingApp(App[None]):
    _view: ConsoleScreen
    _filter: ImportFilter
    _filter_text: str

    def __init__(self, dsn: str, registry: Registry, reviewer: str | None) -> None:
        super().__init__()
        self._dsn = dsn
        self._kinds = registry
        self._reviewer = reviewer
        self._imports: dict[int, ImportRow] = {}
        self._marked: set[int] = set()  # pending imports marked for a batch
        self._leaving = False

    def _show_imports(self) -> None:
        """Shows the imports again, marks included."""
        raise NotImplementedError

    def _marks_shown(self) -> set[int]:
        """The marked imports the operator can see: the only ones that a
        decision may act on."""
        raise NotImplementedError

    def _forget_decided_marks(self) -> None:
        # Marks hold only while their imports wait for review.
        self._marked &= {
            number for number, row in self._imports.items() if row.state == "pending"
        }

    def _decide(self, batch: tuple[Decision, ...]) -> None:
        closing = get_current_worker().cancelled_event
        decider = Decider(self._dsn, self._kinds, self._reviewer, self.post_message)
        decider.run(batch, closing)

    def _imports_in_review(self) -> bool:
        return any_pending(self._imports.values())

    def action_toggle_mark(self) -> None:
        review = self._view.review
        key = review.highlighted_key
        row = None if key is None else self._imports.get(int(key))
        if row is None:
            return
        if row.state != "pending":
            self.notify(
                f"#{row.id} is {row.state}, not pending",
                severity="warning",
                markup=False,
            )
            return
        self._marked ^= {row.id}
        self._show_imports()
        review.action_cursor_down()

    def action_accept(self) -> None:
        self._ask_to_decide(accept=True)

    def action_decline(self) -> None:
        self._ask_to_decide(accept=False)

    def action_accept_matching(self) -> None:
        self._ask_to_decide_matching(accept=True)

    def action_decline_matching(self) -> None:
        self._ask_to_decide_matching(accept=False)

    def matching_pending(self) -> list[ImportRow]:
        """The pending imports the filter matches, newest first."""
        rows = [
            row
            for row in self._imports.values()
            if row.state == "pending" and self._filter.matches(row)
        ]
        return sorted(rows, key=lambda row: row.id, reverse=True)

    def _ask_to_decide_matching(self, *, accept: bool) -> None:
        # Fixed now, like a batch of marks: an import that arrives while
        # the dialog is open is not in the set it names.
        rows = self.matching_pending()
        if not self._filter or not rows:
            self.notify("No pending import matches the filter.", severity="warning")
            return
        dialog = batch_dialog(rows, accept, matching=self._filter_text)
        batch = tuple(Decision(row.id, accept) for row in rows)
        self.push_screen(dialog, partial(self._confirmed, batch))

    def _ask_to_decide(self, *, accept: bool) -> None:
        # The ids are fixed now: whatever the tables and the marks do while
        # the dialog is open, the decision acts on the imports it named.
        rows = self._chosen()
        if not rows:
            return
        if len(rows) == 1:
            dialog = decision_dialog(rows[0], accept, self._kinds)
        else:
            dialog = batch_dialog(rows, accept)
        batch = tuple(Decision(row.id, accept) for row in rows)
        self.push_screen(dialog, partial(self._confirmed, batch))

    def _chosen(self) -> list[ImportRow]:
        """The import of the detail shown; or else the marked imports
        shown, or else the highlighted one; says why none."""
        if isinstance(self.screen, DetailScreen):
            return self._detail_chosen(self.screen)
        if marked := self._marks_shown():
            ids = sorted(marked, reverse=True)
            return [self._imports[number] for number in ids]
        key = self._view.review.highlighted_key
        row = None if key is None else self._imports.get(int(key))
        if row is None:
            self.notify("No import in review is highlighted.", severity="warning")
            return []
        if row.state != "pending":
            self.notify(
                f"#{row.id} is {row.state}, not pending",
                severity="warning",
                markup=False,
            )
            return []
        return [row]

    def _detail_chosen(self, screen: DetailScreen) -> list[ImportRow]:
        detail = screen.detail
        row = self._imports.get(screen.import_id)
        if detail is not None and detail.state == "pending" and row is not None:
            return [row]
        state = detail.state if detail is not None else "not read yet"
        self.notify(
            f"#{screen.import_id} is {state}, not pending in this console",
            severity="warning",
            markup=False,
        )
        return []

    def detail_pending(self) -> bool | None:
        """On an import's detail: whether it waits for review; elsewhere
        None."""
        if not isinstance(self.screen, DetailScreen):
            return None
        detail = self.screen.detail
        return detail is not None and detail.state == "pending"

    def _confirmed(self, batch: tuple[Decision, ...], confirmed: bool | None) -> None:
        if not confirmed:
            return
        self._marked -= {decision.import_id for decision in batch}
        self._show_imports()
        name = "decide " + " ".join(f"#{d.import_id}" for d in batch[:5])
        work = partial(self._decide, batch)
        self.run_worker(
            work, name=name, group="decisions", thread=True, exit_on_error=False
        )

    def on_decision_made(self, message: m.DecisionMade) -> None:
        if message.batch == 1:
            # The review import that carries the decision out goes once it
            # has, so it is not named: nothing could find it afterwards.
            done = (
                "Accepted #{}; publishing its data."
                if message.accept
                else "Declined #{}; deleting what it staged."
            )
            self.notify(done.format(message.import_id))

    def on_decision_failed(self, message: m.DecisionFailed) -> None:
        if message.batch == 1:
            verb = "accept" if message.accept else "decline"
            title = f"Cannot {verb} #{message.import_id}"
            self.notify(message.reason, title=title, severity="error", markup=False)

    def on_decisions_recorded(self, message: m.DecisionsRecorded) -> None:
        verb = "Accepted" if message.accept else "Declined"
        if message.made:
            made = ids_text(message.made)
            self.notify(f"{verb} {len(message.made)}: {made}; review imports follow.")
        if message.failed:
            reasons = "; ".join(one_line(reason) for _, reason in message.failed[:5])
            title = f"{len(message.failed)} not {verb.lower()}"
            self.notify(reasons, title=title, severity="error", markup=False)

    def on_review_carried_out(self, message: m.ReviewCarriedOut) -> None:
        if message.batch == 1:
            self.notify(f"#{message.import_id} is {message.outcome}.", markup=False)

    def on_review_retrying(self, message: m.ReviewRetrying) -> None:
        self.notify(
            f"#{message.import_id}: the review import failed and will be retried;"
            " the decision stands.",
            severity="warning",
        )

    def on_review_still_queued(self, message: m.ReviewStillQueued) -> None:
        self.notify(
            f"#{message.import_id}: no runner has carried out the decision"
            f" in {message.waited:g} s; it stays queued.",
            severity="warning",
        )


def any_pending(rows: Iterable[ImportRow]) -> bool:
    return any(row.state == "pending" for row in rows)
