"""Every key the console declares, and the screen that lists them (`?`).

The list is read from the `BINDINGS` the classes declare, so the help
cannot drift from the keys: a binding added anywhere in the given classes
shows here with its id and description.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

# The keyboard protocol's key names: pinned Textual, so its private module.
from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, KEY_NAME_REPLACEMENTS, Keys
from textual.screen import ModalScreen
from textual.widgets import Static

Scopes = Sequence[tuple[str, Sequence[type[DOMNode]]]]

# As Textual writes a key: modifiers in alphabetical order, then the key.
_MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")


@cache
def _key_names() -> frozenset[str]:
    """Every name Textual gives a key without its modifiers: named keys
    (its own list, and those of the keyboard protocol it speaks, f1 to
    f35, the keypad, media keys) and the printable characters that are
    neither letters nor digits, by their Unicode names."""
    names = {key.value.rsplit("+", 1)[-1] for key in Keys}
    names |= set(FUNCTIONAL_KEYS.values()) | set(KEY_ALIASES)
    aliases = [alias for listed in KEY_ALIASES.values() for alias in listed]
    names |= {alias.rsplit("+", 1)[-1] for alias in aliases}
    for code in range(0x20, 0x30000):
        character = chr(code)
        if character.isprintable() and not character.isalnum():
            with contextlib.suppress(ValueError):  # unnamed
                name = unicodedata.name(character).lower()
                name = name.replace("-", "_").replace(" ", "_")
                names.add(KEY_NAME_REPLACEMENTS.get(name, name))
    return frozenset(name for name in names if not name.startswith("<"))


def unknown_key(keys: str) -> str | None:
    """The first of the comma-separated `keys` that Textual would never
    report (a typo binds nothing, silently); None if all are keys."""
    for key in (part.strip() for part in keys.split(",")):
        if not _is_key(key):
            return key
    return None


def _is_key(key: str) -> bool:
    # "+" itself, and "ctrl++": the last plus is the key.
    head, plus, base = key.rpartition("+")
    if not base and plus:
        head, base = head.removesuffix("+"), "+"
    modifiers = head.split("+") if head else []
    # Known, each once, in Textual's order: "shift+ctrl+a" never comes.
    if not set(modifiers) <= set(_MODIFIERS) or modifiers != sorted(set(modifiers)):
        return False
    if not base:
        return False
    if len(base) == 1:
        # Shifted letters come as capitals: "A", never "shift+A".
        return base.isprintable() and not ("shift" in modifiers and base.isupper())
    return base in _key_names()


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
