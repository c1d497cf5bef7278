"""Kinds as plugins write them, well and badly, for tests of the loader."""

from __future__ import annotations

from typing import Any, ClassVar

from gemma_tui.queue.kinds import Job, Kind
from tests.toy import ToyJob


class Fine(Kind):
    name = "fine"
    description = "A plugin kind that works"
    exclusive: ClassVar[tuple[str, ...]] = ("fine",)

    def create(self, data: Any) -> Job:
        return ToyJob(data)


class Raising(Fine):
    name = "raising"

    def __init__(self) -> None:
        raise RuntimeError("no configuration file\nsecond line")


class Abstract(Kind):
    name = "abstract"
    description = "Forgets create"


class Misnamed(Fine):
    name = "other"


class BadName(Fine):
    name = "gm#review"


class Gauges(Fine):
    """Takes the name of a built-in kind."""

    name = "gm"


class TwoLines(Fine):
    name = "twolines"
    description = "First line\nsecond line"


class TextDependency(Fine):
    name = "textdep"
    exclusive = "gauges"  # type: ignore[assignment]  # the mistake under test


class NoName(Kind):
    description = "Has no name"

    def create(self, data: Any) -> Job:
        return ToyJob(data)


class NotAKind:
    name = "plain"


def not_a_class() -> None:
    """An entry point may name a function by mistake."""
