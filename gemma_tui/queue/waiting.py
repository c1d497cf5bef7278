"""Why a queued import waits: its due time, its place in line, and each
resource it needs with the running imports that hold it.

Who holds a resource is read from what runs now and the kinds' declared
dependencies, so it covers every runner on the database whose kinds this
process knows too; a running import of a kind unknown here holds what it
holds unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.queue.kinds import Dependencies, Registry

_Q = load("console")

EXCLUSIVE = "exclusive"
SHARED = "shared"


@dataclass(frozen=True, slots=True)
class Holder:
    import_id: int
    kind: str
    mode: str  # how it holds the resource: exclusive or shared
    since: datetime


@dataclass(frozen=True, slots=True)
class Need:
    resource: str
    mode: str  # how the waiting import needs it
    holders: tuple[Holder, ...]

    @property
    def blocked(self) -> bool:
        """Whether the holders keep the waiting import from starting."""
        if self.mode == EXCLUSIVE:
            return bool(self.holders)
        return any(holder.mode == EXCLUSIVE for holder in self.holders)


@dataclass(frozen=True, slots=True)
class Waiting:
    import_id: int
    due: datetime
    now: datetime  # the database's clock when read
    ahead: int  # due imports before it in the claim's order
    known: bool  # whether this process knows its kind
    needs: tuple[Need, ...]

    @property
    def scheduled(self) -> bool:
        """Not due yet: a claim takes only imports that are due."""
        return self.due > self.now


def why_waiting(
    conn: Connection, registry: Registry, import_id: int, kind: str
) -> Waiting | None:
    """Why the import waits; None once it is not queued."""
    row = conn.execute(_Q["waiting_place"], {"id": import_id}).fetchone()
    if row is None:
        return None
    due, now, ahead = row
    known = kind in registry
    needs: tuple[Need, ...] = ()
    if known:
        running = conn.execute(_Q["running_kinds"]).fetchall()
        needs = _needs(registry[kind].dependencies, running, registry)
    return Waiting(import_id, due, now, int(ahead), known, needs)


def _needs(
    deps: Dependencies,
    running: list[tuple[int, str, datetime]],
    registry: Registry,
) -> tuple[Need, ...]:
    wanted = [(name, EXCLUSIVE) for name in sorted(deps.exclusive)]
    wanted += [(name, SHARED) for name in sorted(deps.shared)]
    return tuple(
        Need(name, mode, _holders(name, running, registry)) for name, mode in wanted
    )


def _holders(
    resource: str, running: list[tuple[int, str, datetime]], registry: Registry
) -> tuple[Holder, ...]:
    found = []
    for import_id, kind, since in running:
        if kind not in registry:
            continue
        deps = registry[kind].dependencies
        if resource in deps.exclusive:
            found.append(Holder(import_id, kind, EXCLUSIVE, since))
        elif resource in deps.shared:
            found.append(Holder(import_id, kind, SHARED, since))
    return tuple(found)
