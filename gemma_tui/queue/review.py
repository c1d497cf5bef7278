"""Carrying out a review decision: the job of a `K#review` import.

Everything happens in one transaction: the staged data is published
(accept) or deleted (decline) as the import's original role, then, as the
reviewer, the tracking rows go, the import takes its final state and
signer, and the decision is written to its log. Running it again after
that transaction committed changes nothing, so a decision is carried out
exactly once even when its runner dies at any point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import BadJobData
from gemma_tui.queue.kinds import Feedback, Registry

_Q = load("queue")


@dataclass(frozen=True, slots=True)
class ReviewJob:
    """Decides import `target` for `reviewer`."""

    target: int
    accepted: bool
    reviewer: str

    @classmethod
    def from_data(cls, data: Any, reviewer: str) -> ReviewJob:
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise BadJobData("review data needs an integer 'id'")
        return cls(data["id"], bool(data.get("accepted")), reviewer)

    @property
    def decision(self) -> str:
        return "accepted" if self.accepted else "declined"

    def carry_out(
        self, conn: Connection, registry: Registry, feedback: Feedback
    ) -> bool:
        """Applies the decision; False when it had been applied already."""
        with conn.transaction():
            row = conn.execute(_Q["lock_reviewed"], {"id": self.target}).fetchone()
            if row is None or row[2] != "reviewed":
                return False
            owner, kind = str(row[0]), str(row[1])
            self._act_as(conn, owner)
            if self.accepted:
                registry[kind].kind.stage_done(conn, self.target, feedback)
            else:
                conn.execute(_Q["del_import"], {"id": self.target})
            self._act_as(conn, self.reviewer)
            self._record(conn)
        return True

    def _record(self, conn: Connection) -> None:
        conn.execute(_Q["untrack"], {"id": self.target})
        conn.execute(
            _Q["set_decision"],
            {"id": self.target, "state": self.decision, "signer": self.reviewer},
        )
        line = f"User '{self.reviewer}' {self.decision} import {self.target}."
        conn.execute(_Q["log"], {"id": self.target, "level": "info", "msg": line})

    @staticmethod
    def _act_as(conn: Connection, role: str) -> None:
        conn.execute(_Q.with_identifiers("set_local_role", role=role))
