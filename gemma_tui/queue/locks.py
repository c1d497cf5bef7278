"""Dependency locks: exclusive and shared resources held by running imports.

An import may start only if none of its exclusive resources is held in any
mode and none of its shared resources is held exclusively. Between runners,
PostgreSQL advisory locks on keys derived from the resources' names hold
this (see the `0004_runners` migration); within one runner, whose advisory
locks never conflict with each other, the table below does, and it is what
the console shows. It lives in the runner's memory and dies with it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from gemma_tui.queue.kinds import Dependencies


@dataclass(frozen=True, slots=True)
class LockKeys:
    """The advisory lock keys of one kind's dependencies."""

    exclusive: tuple[int, ...]
    shared: tuple[int, ...]

    @classmethod
    def of(cls, deps: Dependencies) -> LockKeys:
        exclusive = tuple(resource_key(name) for name in sorted(deps.exclusive))
        shared = tuple(resource_key(name) for name in sorted(deps.shared))
        return cls(exclusive, shared)

    def spec(self) -> dict[str, list[int]]:
        """As import.lock_dependencies reads them."""
        return {"x": list(self.exclusive), "s": list(self.shared)}


def resource_key(resource: str) -> int:
    """The advisory lock key of a resource, the same in every process and on
    every host: the first 64 bits of a keyed BLAKE2b hash of its name."""
    digest = hashlib.blake2b(
        resource.encode("utf-8"), digest_size=8, person=b"gemma-tui.dep"
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True, slots=True)
class Holding:
    """One resource as it is held now."""

    resource: str
    mode: str  # "exclusive" or "shared"
    holders: tuple[int, ...]
    since: datetime


@dataclass(slots=True)
class _Held:
    exclusive_holder: int | None
    shared_holders: dict[int, datetime]
    since: datetime


class DependencyLocks:
    """Thread-safe table of held resources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, _Held] = {}

    def available(self, deps: Dependencies) -> bool:
        with self._lock:
            return self._available(deps)

    def free(self, kinds: dict[str, Dependencies]) -> list[str]:
        """The kinds whose dependencies are available, in their order."""
        with self._lock:
            held = self._held.keys()
            exclusive = {
                r for r, h in self._held.items() if h.exclusive_holder is not None
            }
            return [
                name
                for name, deps in kinds.items()
                if deps.exclusive.isdisjoint(held) and deps.shared.isdisjoint(exclusive)
            ]

    def acquire(self, import_id: int, deps: Dependencies) -> bool:
        """Takes every resource of `deps` for the import, or none of them."""
        now = datetime.now(UTC)
        with self._lock:
            if not self._available(deps):
                return False
            for resource in deps.exclusive:
                self._held[resource] = _Held(import_id, {}, now)
            for resource in deps.shared:
                held = self._held.setdefault(resource, _Held(None, {}, now))
                held.shared_holders[import_id] = now
            return True

    def release(self, import_id: int) -> None:
        with self._lock:
            for resource in list(self._held):
                held = self._held[resource]
                held.shared_holders.pop(import_id, None)
                if held.exclusive_holder == import_id or (
                    held.exclusive_holder is None and not held.shared_holders
                ):
                    del self._held[resource]

    def snapshot(self) -> list[Holding]:
        """Every held resource, sorted by name."""
        with self._lock:
            return [self._holding(name) for name in sorted(self._held)]

    def _available(self, deps: Dependencies) -> bool:
        if any(resource in self._held for resource in deps.exclusive):
            return False
        return all(
            self._held[resource].exclusive_holder is None
            for resource in deps.shared
            if resource in self._held
        )

    def _holding(self, resource: str) -> Holding:
        held = self._held[resource]
        if held.exclusive_holder is not None:
            return Holding(resource, "exclusive", (held.exclusive_holder,), held.since)
        holders = tuple(sorted(held.shared_holders))
        return Holding(resource, "shared", holders, min(held.shared_holders.values()))
