"""Which imports a list shows: the terms of the console's filter.

The operator writes terms such as `kind:gm state:failed,pending user:anna
id:42 res:gauges gauge`: a term names a field and one or more values
(comma separated, or the same field twice), anything else is a word. An
import matches when it matches every field given (any of its values) and
holds every word, ignoring case, in its kind, user or data. `res:` names
a dependency resource: it matches the imports of every kind that locks
it, shared or exclusive. An empty filter matches every import.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from gemma_tui.errors import GemmaError
from gemma_tui.queue.imports import STATES, ImportRow
from gemma_tui.queue.kinds import Registry

FIELDS = ("kind", "state", "user", "id", "res")
BIGGEST_ID = 2**63 - 1  # PostgreSQL's bigint
# Each word is a condition of its own in the history's queries (one the
# trigram index can answer); they have this many places for them.
MAX_WORDS = 4


class BadFilter(GemmaError):
    """A filter the console cannot read; the text says what is wrong."""


@dataclass(frozen=True, slots=True)
class ImportFilter:
    states: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    words: tuple[str, ...] = ()
    # The kinds that lock a resource named by `res:`; None without one.
    locking: tuple[str, ...] | None = None

    def __bool__(self) -> bool:
        terms = (self.states, self.kinds, self.users, self.ids, self.words)
        return any(terms) or self.locking is not None

    def params(self) -> dict[str, Any]:
        """The terms as the history queries take them: None matches all."""
        return {
            "states": list(self.states) or None,
            "kinds": list(self.kinds) or None,
            "users": list(self.users) or None,
            "ids": list(self.ids) or None,
            "locking": None if self.locking is None else list(self.locking),
            **{
                f"word{n}": f"%{_escape(word)}%" if word else None
                for n, word in enumerate(self._word_slots(), start=1)
            },
        }

    def _word_slots(self) -> list[str | None]:
        return [*self.words, *[None] * (MAX_WORDS - len(self.words))]

    def matches(self, row: ImportRow) -> bool:
        """Whether `row` matches; words are looked for in the kind and user
        only, since the live lists do not read the data."""
        return self.matches_import(row.id, row.state, row.kind, row.username)

    def matches_import(
        self, number: int, state: str | None, kind: str | None, user: str | None
    ) -> bool:
        """Whether an import of these matches; what is not known (None)
        matches no term that asks for it."""
        if self.ids and number not in self.ids:
            return False
        if self.states and state not in self.states:
            return False
        if (self.kinds or self.locking is not None or self.words) and kind is None:
            return False
        if self.kinds and kind not in self.kinds:
            return False
        if self.locking is not None and kind not in self.locking:
            return False
        if self.users and user not in self.users:
            return False
        text = f"{kind} {user or ''}".casefold()
        return all(word.casefold() in text for word in self.words)


def parse(text: str, registry: Registry | None = None) -> ImportFilter:
    """The filter that `text` writes; BadFilter says what is wrong.

    `res:` terms need the `registry`, which says what each kind locks.
    """
    found = ImportFilter()
    for token in _tokens(text):
        field, colon, values = token.partition(":")
        if colon and field.lower() == "res":
            found = _add_resources(found, _values(field, values), registry)
        elif colon and field.lower() in FIELDS:
            found = _add(found, field.lower(), _values(field, values))
        elif len(found.words) == MAX_WORDS:
            raise BadFilter(f"at most {MAX_WORDS} words, besides field:value terms")
        else:
            found = replace(found, words=(*found.words, token))
    return found


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        # An unbalanced quote: read the words as they stand.
        return text.split()


def _values(field: str, text: str) -> list[str]:
    values = [value for value in text.split(",") if value]
    if not values:
        raise BadFilter(f"{field.lower()}: needs a value")
    return values


def _add_resources(
    found: ImportFilter, resources: list[str], registry: Registry | None
) -> ImportFilter:
    """Narrows `found` to the kinds that lock any of `resources`; a second
    `res:` term narrows further, as a second field would."""
    if registry is None:
        raise BadFilter("res: cannot be used here: the kinds are not known")
    locks = {
        entry.name: entry.dependencies.exclusive | entry.dependencies.shared
        for entry in registry
    }
    known = sorted(set().union(*locks.values()))
    for resource in resources:
        if resource not in known:
            raise BadFilter(
                f"res:{resource} is no resource; resources are {', '.join(known)}"
            )
    kinds = {name for name, held in locks.items() if held & set(resources)}
    if found.locking is not None:
        kinds &= set(found.locking)
    return replace(found, locking=tuple(sorted(kinds)))


def _add(found: ImportFilter, field: str, values: list[str]) -> ImportFilter:
    if field == "state":
        return replace(found, states=(*found.states, *_states(values)))
    if field == "kind":
        return replace(found, kinds=(*found.kinds, *values))
    if field == "user":
        return replace(found, users=(*found.users, *values))
    return replace(found, ids=(*found.ids, *_ids(values)))


def _states(values: Iterable[str]) -> list[str]:
    states = [value.lower() for value in values]
    for state in states:
        if state not in STATES:
            raise BadFilter(
                f"state:{state} is no state; states are {', '.join(STATES)}"
            )
    return states


def _ids(values: Iterable[str]) -> list[int]:
    ids = []
    for value in values:
        number = value.removeprefix("#")
        if not (number.isascii() and number.isdigit()) or int(number) > BIGGEST_ID:
            raise BadFilter(f"id:{value} is not an import id")
        ids.append(int(number))
    return ids


def _escape(word: str) -> str:
    """`word` as a literal part of a LIKE pattern."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
