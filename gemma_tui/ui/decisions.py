"""Carrying out an operator's decision, in a thread worker.

The decision acts on the import id captured when the key was pressed;
`decide()` checks again in the database that the import is still pending.
Afterwards the worker follows the review import for a while, so that the
operator hears how it ended, without the console ever waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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

    def run(self, decision: Decision, closing: threading.Event) -> None:
        """Records the decision, then follows its review import."""
        try:
            with connect(self._dsn) as conn:
                review_id = self._record(conn, decision)
                if review_id is not None:
                    self._follow(conn, decision.import_id, review_id, closing)
        except GemmaError as error:
            self._post(DecisionFailed(decision.import_id, decision.accept, str(error)))

    def _record(self, conn: Connection, decision: Decision) -> int | None:
        try:
            review_id = decide(
                conn,
                self._registry,
                decision.import_id,
                decision.accept,
                reviewer=self._reviewer,
            )
        except GemmaError as error:
            failed = DecisionFailed(decision.import_id, decision.accept, str(error))
            self._post(failed)
            return None
        self._post(DecisionMade(decision.import_id, decision.accept, review_id))
        return review_id

    def _follow(
        self, conn: Connection, import_id: int, review_id: int, closing: threading.Event
    ) -> None:
        # The decision stands whatever happens here: a lost connection only
        # ends the following.
        deadline = time.monotonic() + self._settings.patience
        try:
            while not closing.wait(self._settings.poll):
                outcome = review_outcome(conn, import_id, review_id)
                if outcome is not None:
                    self._post(_outcome_message(import_id, outcome))
                    return
                if time.monotonic() > deadline:
                    self._post(ReviewStillQueued(import_id, self._settings.patience))
                    return
        except (psycopg.Error, GemmaError):
            return


def _outcome_message(import_id: int, outcome: str) -> Message:
    if outcome == "retrying":
        return ReviewRetrying(import_id)
    return ReviewCarriedOut(import_id, outcome)
