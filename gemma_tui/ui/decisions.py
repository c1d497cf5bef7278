"""Carrying out an operator's decisions, in a thread worker.

A batch holds the import ids fixed when the confirmation opened (one, or
every marked one); `decide()` checks again in the database that each is
still pending, and one that is not fails alone. Afterwards the worker
follows the review imports for a while, so that the operator hears how
they ended, without the console ever waiting for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg
from textual.message import Message

from gemma_tui.db import Connection, connect
from gemma_tui.errors import GemmaError
from gemma_tui.queue.imports import decide, review_outcome
from gemma_tui.queue.kinds import Registry
from gemma_tui.ui.messages import (
    DecisionFailed,
    DecisionMade,
    DecisionsRecorded,
    ReviewCarriedOut,
    ReviewRetrying,
    ReviewStillQueued,
)


@dataclass(frozen=True, slots=True)
class Decision:
    import_id: int
    accept: bool


@dataclass(frozen=True, slots=True)
class FollowSettings:
    poll: float = 0.25  # seconds between looks at the review import
    patience: float = 120.0  # how long to follow it before giving up


class Decider:
    """Records decisions as `reviewer` (None: the login role)."""

    def __init__(
        self,
        dsn: str,
        registry: Registry,
        reviewer: str | None,
        post: Callable[[Message], object],
        settings: FollowSettings | None = None,
    ) -> None:
        self._dsn = dsn
        self._registry = registry
        self._reviewer = reviewer
        self._post = post
        self._settings = settings or FollowSettings()

    def run(self, batch: Sequence[Decision], closing: threading.Event) -> None:
        """Records every decision of `batch`, then follows the review imports."""
        try:
            with connect(self._dsn) as conn:
                reviews = self._record_all(conn, batch)
                self._follow(conn, reviews, len(batch), closing)
        except GemmaError as error:
            for decision in batch:
                self._post(self._failed(decision, str(error), len(batch)))

    def _record_all(
        self, conn: Connection, batch: Sequence[Decision]
    ) -> dict[int, int]:
        """Records each decision; returns the review import of each made."""
        reviews: dict[int, int] = {}
        failures: list[tuple[int, str]] = []
        for decision in batch:
            try:
                reviews[decision.import_id] = self._record(conn, decision)
            except GemmaError as error:
                failures.append((decision.import_id, str(error)))
                self._post(self._failed(decision, str(error), len(batch)))
                continue
            review = reviews[decision.import_id]
            made = DecisionMade(decision.import_id, decision.accept, review, len(batch))
            self._post(made)
        if len(batch) > 1:
            accept = batch[0].accept
            self._post(DecisionsRecorded(accept, tuple(reviews), tuple(failures)))
        return reviews

    def _record(self, conn: Connection, decision: Decision) -> int:
        return decide(
            conn,
            self._registry,
            decision.import_id,
            decision.accept,
            reviewer=self._reviewer,
        )

    @staticmethod
    def _failed(decision: Decision, reason: str, batch: int) -> DecisionFailed:
        return DecisionFailed(decision.import_id, decision.accept, reason, batch)

    def _follow(
        self,
        conn: Connection,
        reviews: dict[int, int],
        batch: int,
        closing: threading.Event,
    ) -> None:
        # The decisions stand whatever happens here: a lost connection only
        # ends the following.
        waiting = dict(reviews)
        deadline = time.monotonic() + self._settings.patience
        try:
            while waiting and not closing.wait(self._settings.poll):
                for import_id, review_id in list(waiting.items()):
                    outcome = review_outcome(conn, import_id, review_id)
                    if outcome is not None:
                        self._post(_outcome_message(import_id, outcome, batch))
                        del waiting[import_id]
                if waiting and time.monotonic() > deadline:
                    for import_id in waiting:
                        patience = self._settings.patience
                        self._post(ReviewStillQueued(import_id, patience, batch))
                    return
        except (psycopg.Error, GemmaError):
            return


def _outcome_message(import_id: int, outcome: str, batch: int) -> Message:
    if outcome == "retrying":
        return ReviewRetrying(import_id, batch)
    return ReviewCarriedOut(import_id, outcome, batch)
