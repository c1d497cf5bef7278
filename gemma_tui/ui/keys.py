"""Every key the console declares, and the screen that lists them (`?`).

The list is read from the `BINDINGS` the classes declare, so the help
cannot drift from the keys: a binding added anywhere in the given classes
shows here with its id and description.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character
from textual.screen import ModalScreen
from textual.widgets import Static

Scopes = Sequence[tuple[str, Sequence[type[DOMNode]]]]

_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# Keys by name ("escape", "pageup", "f5"), without their modifiers.
_NAMED = frozenset(
    key.value.rsplit("+", 1)[-1] for key in Keys if not key.value.startswith("<")
) | frozenset(KEY_NAME_REPLACEMENTS.values())


def unknown_key(keys: str) -> str | None:
    """The first of the comma-separated `keys` that names no key Textual
    knows (a typo would bind nothing, silently); None if all do."""
    for key in keys.split(","):
        *modifiers, base = key.strip().split("+")
        if any(modifier not in _MODIFIERS for modifier in modifiers):
            return key.strip()
        if len(base) == 1 or base in _NAMED or key_to_character(base):
            continue
        return key.strip()
    return None


@dataclass(frozen=True, slots=True)
class KeyRow:
    scope: str
    keys: tuple[str, ...]
    description: str
    id: str


def declared(owner: type[DOMNode]) -> list[Binding]:
    """The bindings `owner` itself declares (not those it inherits)."""
    found: list[BindingType] = owner.__dict__.get("BINDINGS", [])
    return [binding for binding in found if isinstance(binding, Binding)]


def key_rows(scopes: Scopes, keymap: Mapping[str, str] | None = None) -> list[KeyRow]:
    """One row per declared binding, scope by scope, in declared order,
    with the keys `keymap` gives its id instead of the declared ones."""
    keymap = keymap or {}
    return [
        KeyRow(
            scope,
            _keys(keymap.get(binding.id or "", binding.key)),
            binding.description,
            binding.id or "",
        )
        for scope, owners in scopes
        for owner in owners
        for binding in declared(owner)
    ]


def _keys(keys: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in keys.split(","))


def key_display(app: App[object], key: str) -> str:
    return app.get_key_display(Binding(key, "", ""))


class HelpScreen(ModalScreen[None]):
    """Lists every declared key with what it does and its id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.toggle"),
    ]

    def __init__(self, rows: Iterable[KeyRow]) -> None:
        super().__init__()
        self._rows = list(rows)

    @property
    def rows(self) -> list[KeyRow]:
        return list(self._rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(Content("Keys"), id="help-title")
            with VerticalScroll(id="help-keys"):
                yield from self._blocks()
            yield Static(Content("Esc or ?: close"), id="help-close")

    def _blocks(self) -> Iterable[Static]:
        scopes = list(dict.fromkeys(row.scope for row in self._rows))
        for scope in scopes:
            yield Static(Content(scope), classes="scope")
            rows = [row for row in self._rows if row.scope == scope]
            yield Static(Content("\n".join(self._line(row) for row in rows)))

    def _line(self, row: KeyRow) -> str:
        keys = ", ".join(key_display(self.app, key) for key in row.keys)
        return f"{keys:<14} {row.description:<22} {row.id}"
