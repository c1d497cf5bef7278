"""The keys: every binding declared with an id and a description, all of
them in the help, and each key doing what it says."""

from __future__ import annotations

from textual.widgets import Static

from gemma_tui.db import Connection
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.keys import HelpScreen, declared, key_rows, unknown_key
from gemma_tui.ui.panes import ReviewTable
from tests.consoles import add_import, console, until

ROWS = key_rows(ConsoleApp.key_scopes())


def test_every_binding_has_an_id_and_a_description() -> None:
    assert ROWS
    for row in ROWS:
        assert row.id, f"{row.scope} {row.keys} has no id"
        assert row.description, f"{row.id} has no description"


def test_binding_ids_are_unique() -> None:
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids))


def test_only_bindings_are_declared() -> None:
    """A tuple in BINDINGS would carry no id; the help would miss it."""
    for _, owners in ConsoleApp.key_scopes():
        for owner in owners:
            assert len(declared(owner)) == len(owner.__dict__.get("BINDINGS", []))


def test_destructive_keys_are_plain_letters() -> None:
    for row in ROWS:
        if row.id in ("accept", "decline"):
            assert all(len(key) == 1 and key.isalpha() for key in row.keys)


async def test_the_help_lists_every_binding(dsn: str) -> None:
    app = console(dsn)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        for row in ROWS:
            assert row.id in text and row.description in text

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_j_k_g_and_G_move_in_a_pane(dsn: str, conn: Connection) -> None:
    ids = [add_import(conn, "pending") for _ in range(4)]
    app = console(dsn)
    async with app.run_test(size=(100, 40)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_count == 4)
        review.focus()
        await pilot.press("j", "j")
        assert review.highlighted_key == str(ids[1])
        await pilot.press("k")
        assert review.highlighted_key == str(ids[2])
        await pilot.press("G")
        assert review.highlighted_key == str(ids[0])
        await pilot.press("g")
        assert review.highlighted_key == str(ids[3])


def test_every_key_the_console_declares_passes_the_key_name_check() -> None:
    """The check a keymap's keys go through refuses none of the console's
    own keys, and refuses what names no key."""
    rows = key_rows(ConsoleApp.key_scopes())
    declared = [key for row in rows for key in row.keys]
    assert len(declared) > 30
    assert [key for key in declared if unknown_key(key)] == []
    assert unknown_key("ctrl+shift+f5,question_mark,slash,G,pageup") is None
    assert unknown_key("a,ctlr+a") == "ctlr+a"


# Names Textual reports for real keys (its own list, the keyboard
# protocol's function, keypad and media keys, characters by Unicode name).
KEYS = [
    "+",
    "ctrl++",
    "f24",
    "f25",
    "f35",
    "pause",
    "menu",
    "print_screen",
    "caps_lock",
    "media_play_pause",
    "raise_volume",
    "add",
    "subtract",
    "decimal",
    "newline",
    "plus_minus_sign",
    "left_pointing_double_angle_quotation_mark",
    "ctrl+shift+up",
    "alt+left",
    "plus",
    "minus",
    "comma",
    "full_stop",
    "exclamation_mark",
    "1",
    "A",
    "ä",
    "ctrl+@",
    "tab",
    "shift+tab",
    "backspace",
    "enter",
    "space",
    "escape",
    "delete",
    "ctrl+space",
]
# Names of nothing Textual reports: they would bind nothing.
NOT_KEYS = [
    "esc",
    "del",
    "Escape",
    "Delete",
    "Space",
    "Tab",
    "Enter",
    "F1",
    "ctrl+Space",
    "shift+ctrl+a",
    "ctrl+ctrl+a",
    "shift+A",
    "latin_small_letter_a",
    "digit_one",
    "line_feed",
    "cr",
    "lf",
    "nul",
    "pgup",
    "ctlr+a",
]


def test_key_names_are_checked_as_textual_reports_keys() -> None:
    assert [key for key in KEYS if unknown_key(key)] == []
    assert [key for key in NOT_KEYS if not unknown_key(key)] == []
    assert unknown_key("") == ""
