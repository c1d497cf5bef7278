"""Import kinds: what a kind declares, and the registry that holds them.

A kind names a sort of import (say, gauge measurements), builds jobs from
their JSON data, declares the resources its jobs lock, and publishes what a
job staged when a reviewer accepts it. For every kind `K` the registry also
holds `K#review`, whose jobs carry out review decisions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from gemma_tui.db import Connection
from gemma_tui.errors import GemmaError, UnknownKind

REVIEW_SUFFIX = "#review"


class Feedback(Protocol):
    """Writes lines to an import's log."""

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...


class Unchanged(Exception):
    """Raised by `Job.do` when the import would change nothing; the text
    says why."""


class Job(ABC):
    """One import, built from its JSON data by its kind."""

    @abstractmethod
    def do(self, conn: Connection, import_id: int, feedback: Feedback) -> Any:
        """Performs the import and returns a JSON-serialisable summary.

        `conn` acts as the submitting role, inside a transaction that the
        runner commits when `do` returns and rolls back when it raises;
        the job never ends it itself (`conn.transaction()` blocks nest in
        it as savepoints).
        """

    def cleanup(self) -> None:  # noqa: B027  (most jobs hold nothing)
        """Releases what the job held; not called when it will be retried."""


class Kind(ABC):
    """A sort of import; subclasses set the class attributes."""

    name: ClassVar[str]
    description: ClassVar[str]
    exclusive: ClassVar[tuple[str, ...]] = ()
    shared: ClassVar[tuple[str, ...]] = ()
    auto_accept: ClassVar[bool] = False

    @abstractmethod
    def create(self, data: Any) -> Job:
        """Builds a job from the import's decoded data; raises `BadJobData`."""

    def stage_done(  # noqa: B027  (kinds that stage nothing need no step)
        self, conn: Connection, import_id: int, feedback: Feedback
    ) -> None:
        """Publishes what the import staged; called on acceptance."""


@dataclass(frozen=True, slots=True)
class Dependencies:
    exclusive: frozenset[str]
    shared: frozenset[str]


@dataclass(frozen=True, slots=True)
class Registered:
    """A kind as the runner sees it: the base kind, and whether this name is
    the base kind's review kind."""

    name: str
    kind: Kind
    review: bool

    @property
    def description(self) -> str:
        suffix = " (review)" if self.review else ""
        return self.kind.description + suffix

    @property
    def dependencies(self) -> Dependencies:
        return Dependencies(frozenset(self.kind.exclusive), frozenset(self.kind.shared))

    @property
    def auto_accept(self) -> bool:
        return self.review or self.kind.auto_accept


class Registry:
    """The kinds one process knows, each with its review kind."""

    def __init__(self, kinds: Iterable[Kind] = ()) -> None:
        self._kinds: dict[str, Registered] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: Kind) -> None:
        name = kind.name
        if not name or REVIEW_SUFFIX in name or name in self._kinds:
            raise GemmaError(f"cannot register kind {name!r}")
        self._kinds[name] = Registered(name, kind, review=False)
        review = name + REVIEW_SUFFIX
        self._kinds[review] = Registered(review, kind, review=True)

    def __getitem__(self, name: str) -> Registered:
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownKind(f"unknown kind {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[Registered]:
        return iter(self._kinds[name] for name in self.names())

    def names(self) -> list[str]:
        """Every registered name, review kinds included, sorted."""
        return sorted(self._kinds)

    def base_kinds(self) -> list[Registered]:
        """The kinds an operator enqueues, sorted by name."""
        return [entry for entry in self if not entry.review]
