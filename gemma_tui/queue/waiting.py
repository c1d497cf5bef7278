"""Why a queued import waits: its due time, its place in line, and each
resource it needs with the running imports that hold it.

Who holds a resource is read from what runs now and the kinds' declared
dependencies, so it covers every runner on the database whose kinds this
process knows too; a running import of a kind unknown here holds what it
holds unseen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.queue.imports import ImportRow
from gemma_tui.queue.kinds import Dependencies, Registry

_Q = load("console")

EXCLUSIVE = "exclusive"
SHARED = "shared"
FREE = "free"
# A claim takes imports due this soon (see the `claim` function).
CLAIM_AHEAD = timedelta(seconds=5)

Running = tuple[int, str, datetime]  # an import's id, kind, and start


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
    running: list[Running],
    registry: Registry,
) -> tuple[Need, ...]:
    wanted = [(name, EXCLUSIVE) for name in sorted(deps.exclusive)]
    wanted += [(name, SHARED) for name in sorted(deps.shared)]
    return tuple(
        Need(name, mode, _holders(name, running, registry)) for name, mode in wanted
    )


def _holders(
    resource: str, running: list[Running], registry: Registry
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


@dataclass(frozen=True, slots=True)
class Claim:
    """A resource as one import holds it, or as due imports want it free.

    `holder` is None for a free resource that queued imports need;
    `waiting` are the due queued imports that this holder keeps from
    starting (none for a free resource).
    """

    resource: str
    mode: str  # how the holder holds it; FREE without a holder
    holder: Holder | None
    waiting: tuple[int, ...]


def claims(
    running: Iterable[ImportRow],
    queued: Iterable[ImportRow],
    registry: Registry,
    now: datetime,
) -> list[Claim]:
    """Every resource held by the `running` imports or needed by the due
    `queued` ones, sorted by resource and holder: one claim per holder,
    told from the kinds' dependencies as `why_waiting` tells them."""
    started = [(row.id, row.kind, row.changed) for row in running]
    waiting: dict[tuple[str, int], list[int]] = {}
    wanted: set[str] = set()
    for row in sorted(queued, key=lambda row: (row.due, row.enqueued, row.id)):
        if row.kind not in registry or row.due > now + CLAIM_AHEAD:
            continue
        for need in _needs(registry[row.kind].dependencies, started, registry):
            wanted.add(need.resource)
            for holder in _blocking(need):
                key = (need.resource, holder.import_id)
                waiting.setdefault(key, []).append(row.id)
    held = _held(started, registry)
    found = [
        Claim(
            name, holder.mode, holder, tuple(waiting.get((name, holder.import_id), ()))
        )
        for name, holder in held
    ]
    taken = {name for name, _ in held}
    found += [Claim(name, FREE, None, ()) for name in wanted - taken]
    return sorted(found, key=_claim_order)


def _blocking(need: Need) -> tuple[Holder, ...]:
    if need.mode == EXCLUSIVE:
        return need.holders
    return tuple(holder for holder in need.holders if holder.mode == EXCLUSIVE)


def _held(started: list[Running], registry: Registry) -> list[tuple[str, Holder]]:
    """Each resource the started imports hold, with each holder."""
    resources: set[str] = set()
    for _, kind, _ in started:
        if kind in registry:
            deps = registry[kind].dependencies
            resources |= deps.exclusive | deps.shared
    return [
        (name, holder)
        for name in resources
        for holder in _holders(name, started, registry)
    ]


def _claim_order(claim: Claim) -> tuple[str, int]:
    return claim.resource, claim.holder.import_id if claim.holder else 0
