"""The console's part of the configuration: keys, theme and how much it reads.

Checked before the console starts, so that a binding id or a theme that
does not exist is one line naming the setting, not a console that
silently ignores it.
"""

from __future__ import annotations

from datetime import timedelta

from textual.theme import BUILTIN_THEMES

from gemma_tui.config import Config, ConfigError, ConsoleConfig
from gemma_tui.ui.watch import WatchSettings


def checked_console(config: Config) -> tuple[dict[str, str], str | None]:
    """The keymap and theme of `config`, or a ConfigError saying which
    binding id or theme is unknown."""
    from gemma_tui.ui.app import ConsoleApp
    from gemma_tui.ui.keys import key_rows, unknown_key

    known = {row.id for row in key_rows(ConsoleApp.key_scopes())}
    for binding, keys in config.keymap.items():
        where = config.origin(f"keys.{binding}")
        if binding not in known:
            raise ConfigError(
                f"{where}: keys.{binding}: no binding has this id"
                " (the console lists the ids under ?)"
            )
        if (bad := unknown_key(keys)) is not None:
            raise ConfigError(
                f"{where}: keys.{binding}: {bad!r} names no key"
                " (say 'x', 'ctrl+r', 'f5', 'pageup', 'question_mark')"
            )
    theme = config.console.theme
    if theme is not None and theme not in BUILTIN_THEMES:
        where = config.origin("console.theme")
        names = ", ".join(sorted(BUILTIN_THEMES))
        raise ConfigError(f"{where}: console.theme: no theme {theme!r}; known: {names}")
    return config.keymap, theme


def watch_settings(console: ConsoleConfig) -> WatchSettings:
    return WatchSettings(
        fallback=console.reread,
        imports_limit=console.imports_limit,
        failed_window=timedelta(hours=console.failed_hours),
        failed_limit=console.failed_limit,
    )
