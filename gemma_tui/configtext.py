"""The effective configuration as a TOML file, secrets masked.

`gemma-tui config` prints it: every setting, with where its value came
from, in a form that reads back as a configuration file.
"""

from __future__ import annotations

import json

from gemma_tui.config import SETTINGS, Config, Setting


def as_toml(config: Config) -> str:
    """The effective settings as a configuration file, secrets masked, each
    with where it came from."""
    lines = [f"# read from {config.path}" if config.path else "# no file was read"]
    sections = {
        "database": config.database,
        "runner": config.runner,
        "smtp": config.smtp,
        "console": config.console,
    }
    for section, values in sections.items():
        lines += ["", f"[{section}]"]
        for setting in (s for s in SETTINGS if s.section == section):
            value = getattr(values, setting.name)
            lines.append(_line(setting, value, config.origin(setting.dotted)))
    lines += ["", "[keys]"]
    if not config.keys:
        lines.append("# none remapped; the console lists its keys and ids under ?")
    for binding, keys in config.keys:
        lines.append(f"{_toml_key(binding)} = {_toml_text(keys)}")
    return "\n".join(lines) + "\n"


def _line(setting: Setting, value: object, origin: str) -> str:
    if value is None:
        return f"# {setting.name} is not set"
    if setting.secret and isinstance(value, str):
        value = _masked(setting, value)
    return f"{setting.name} = {_toml_value(value)}  # {origin}"


def _masked(setting: Setting, value: str) -> str:
    if setting.dotted == "database.dsn":
        from gemma_tui.db.server import redact

        return redact(value)
    return "***"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _toml_text(str(value))


def _toml_text(text: str) -> str:
    # A JSON string is a TOML basic string: the same quotes and escapes,
    # but for DEL, which TOML wants escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(name: str) -> str:
    # Quoted unless bare: a bare `history.down` would be a nested table,
    # which clashes with a `history` key beside it.
    bare = name.replace("_", "").replace("-", "")
    return name if bare.isascii() and bare.isalnum() else _toml_text(name)
