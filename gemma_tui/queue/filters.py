"""Which imports a list shows: the terms of the console's filter.

A filter is a conjunction: an import matches when it matches every kind of
term given (any of the states, any of the kinds, ...) and contains every
word. An empty filter matches every import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ImportFilter:
    states: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    words: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any((self.states, self.kinds, self.users, self.ids, self.words))

    def params(self) -> dict[str, Any]:
        """The terms as the history queries take them: None matches all."""
        return {
            "states": list(self.states) or None,
            "kinds": list(self.kinds) or None,
            "users": list(self.users) or None,
            "ids": list(self.ids) or None,
            "words": [f"%{_escape(word)}%" for word in self.words] or None,
        }


def _escape(word: str) -> str:
    """`word` as a literal part of a LIKE pattern."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
