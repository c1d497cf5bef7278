"""The settings: defaults, the configuration file, the environment, options.

Each setting is looked up in that order, a later source overriding an
earlier one, so an option given on the command line always wins. The file
is TOML, by default `config.toml` in the per-user configuration directory;
one that cannot be used is refused with one line naming the file, the
setting and what is wrong with it. A missing file at the default place is
no mistake: every setting has a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from gemma_tui.errors import GemmaError
from gemma_tui.queue.mail import DEFAULT_SENDER, SmtpSettings

APP = "gemma-tui"
DEFAULT_ORIGIN = "default"
LOG_FORMATS = ("text", "json")


class ConfigError(GemmaError):
    """A configuration file, variable or setting that cannot be used."""


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    dsn: str | None = None  # None: GEMMA_TUI_DSN, PG* variables or embedded
    data_dir: Path | None = None  # of the embedded server; None: per user


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    concurrency: int | None = None  # imports run at once; None: CPUs
    drain_grace: float = 5.0  # seconds a stopping runner waits for imports
    poll_interval: float = 0.5  # longest idle wait when nothing notifies
    give_up: float = 300.0  # seconds without the database until it exits
    queue_role: str | None = None  # bookkeeping role; None: the login role
    log_format: str = "text"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str | None = None  # None: no mail is sent
    port: int = 25
    sender: str = DEFAULT_SENDER
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def settings(self) -> SmtpSettings | None:
        if not self.host:
            return None
        return SmtpSettings(
            self.host,
            self.port,
            self.sender,
            self.user,
            self.password,
            self.starttls,
            self.timeout,
        )


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    theme: str | None = None  # None: Textual's default
    imports_limit: int = 500  # live imports shown
    failed_limit: int = 100  # recent failures shown
    failed_hours: float = 24.0  # how recent a failure must be to show
    reread: float = 5.0  # seconds between reads when nothing notifies


@dataclass(frozen=True, slots=True)
class Config:
    database: DatabaseConfig = DatabaseConfig()
    runner: RunnerConfig = RunnerConfig()
    smtp: SmtpConfig = SmtpConfig()
    console: ConsoleConfig = ConsoleConfig()
    # Console key remappings: binding id to keys, as Textual's keymap.
    keys: tuple[tuple[str, str], ...] = ()
    path: Path | None = None  # the file that was read, if any
    # Where each setting ("section.name") came from, when not the default.
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def keymap(self) -> dict[str, str]:
        return dict(self.keys)

    def origin(self, name: str) -> str:
        return self.origins.get(name, DEFAULT_ORIGIN)


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its type, bounds and environment variable."""

    section: str
    name: str
    kind: type
    env: str | None = None
    least: float | None = None
    most: float | None = None
    choices: tuple[str, ...] = ()
    secret: bool = False

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.name}"


SETTINGS = (
    Setting("database", "dsn", str, "GEMMA_TUI_DSN", secret=True),
    Setting("database", "data_dir", Path, "GEMMA_TUI_DATA_DIR"),
    Setting("runner", "concurrency", int, "GEMMA_TUI_CONCURRENCY", 1, 1000),
    Setting("runner", "drain_grace", float, "GEMMA_TUI_DRAIN_GRACE", 0, 3600),
    Setting("runner", "poll_interval", float, None, 0.01, 60),
    Setting("runner", "give_up", float, None, 0, 366 * 24 * 3600),
    Setting("runner", "queue_role", str),
    Setting("runner", "log_format", str, "GEMMA_TUI_LOG_FORMAT", choices=LOG_FORMATS),
    Setting("smtp", "host", str, "GEMMA_TUI_SMTP_HOST"),
    Setting("smtp", "port", int, "GEMMA_TUI_SMTP_PORT", 1, 65535),
    Setting("smtp", "sender", str, "GEMMA_TUI_SMTP_FROM"),
    Setting("smtp", "user", str, "GEMMA_TUI_SMTP_USER"),
    Setting("smtp", "password", str, "GEMMA_TUI_SMTP_PASSWORD", secret=True),
    Setting("smtp", "starttls", bool, "GEMMA_TUI_SMTP_STARTTLS"),
    Setting("smtp", "timeout", float, None, 0.1, 600),
    Setting("console", "theme", str, None),
    Setting("console", "imports_limit", int, None, 1, 100_000),
    Setting("console", "failed_limit", int, None, 1, 100_000),
    Setting("console", "failed_hours", float, None, 0.01, 24 * 366),
    Setting("console", "reread", float, None, 0.1, 3600),
)
SECTIONS = ("database", "runner", "smtp", "console", "keys")
_BY_NAME = {setting.dotted: setting for setting in SETTINGS}

_TRUE = ("1", "yes", "true", "on")
_FALSE = ("0", "no", "false", "off")


def default_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def load(
    path: Path | None = None,
    options: Mapping[str, object] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Config:
    """The settings from the file at `path` (or the default place), the
    environment and `options` ("section.name" to a value, None if not
    given), each source overriding the one before."""
    where = path or default_path()
    table = _read(where, required=path is not None)
    found = table is not None
    values: dict[str, tuple[object, str]] = {}
    keys: dict[str, str] = {}
    if table is not None:
        values |= _from_file(where, table)
        keys = _keys(where, table.get("keys", {}))
    values |= _from_environment(environ)
    for name, value in (options or {}).items():
        if value is not None:
            # Options are checked as the file is: one set of bounds.
            checked = _checked(_BY_NAME[name], value, _option(name))
            values[name] = (checked, _option(name))
    return _build(values, keys, where if found else None)


def _read(path: Path, *, required: bool) -> dict[str, Any] | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such file") from None
        return None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _from_file(path: Path, table: dict[str, Any]) -> dict[str, tuple[object, str]]:
    values: dict[str, tuple[object, str]] = {}
    for section, content in table.items():
        if section not in SECTIONS:
            known = ", ".join(SECTIONS)
            raise ConfigError(f"{path}: [{section}]: unknown section; known: {known}")
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: {section}: must be a table ([{section}])")
        if section == "keys":
            continue
        for name, value in content.items():
            setting = _BY_NAME.get(f"{section}.{name}")
            if setting is None:
                raise ConfigError(
                    f"{path}: {section}.{name}: unknown setting;"
                    f" known: {', '.join(_names_in(section))}"
                )
            checked = _checked(setting, value, f"{path}: {setting.dotted}")
            values[setting.dotted] = (checked, str(path))
    return values


def _names_in(section: str) -> list[str]:
    return [setting.name for setting in SETTINGS if setting.section == section]


def _keys(path: Path, table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Binding ids to keys; `history.down = "x"` nests in TOML, so nested
    tables are joined back into dotted ids."""
    keys: dict[str, str] = {}
    for name, value in table.items():
        binding = prefix + name
        if isinstance(value, dict):
            keys |= _keys(path, value, binding + ".")
        elif isinstance(value, str) and value.strip():
            keys[binding] = value.strip()
        else:
            raise ConfigError(
                f'{path}: keys.{binding}: must be keys as text, like "ctrl+a"'
            )
    return keys


def _from_environment(environ: Mapping[str, str]) -> dict[str, tuple[object, str]]:
    values: dict[str, tuple[object, str]] = {}
    for setting in SETTINGS:
        text = environ.get(setting.env) if setting.env else None
        if setting.env and text:  # an empty variable counts as unset
            values[setting.dotted] = (_parsed(setting, text), setting.env)
    return values


def _parsed(setting: Setting, text: str) -> object:
    where = str(setting.env)
    value: object = text
    if setting.kind is bool:
        if text.lower() not in (*_TRUE, *_FALSE):
            raise ConfigError(f"{where}: must be yes or no, not {text!r}")
        value = text.lower() in _TRUE
    elif setting.kind in (int, float):
        try:
            value = setting.kind(text)
        except ValueError:
            raise ConfigError(f"{where}: {_wanted(setting)}, not {text!r}") from None
    return _checked(setting, value, where)


def _checked(setting: Setting, value: object, where: str) -> object:
    """`value` as the setting's type, or a ConfigError naming `where`."""
    kind = setting.kind
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is Path and isinstance(value, str):
        value = Path(value).expanduser()
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = repr(value) if isinstance(value, str) else _shown(value)
        raise ConfigError(f"{where}: {_wanted(setting)}, not {shown}")
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{where}: must be one of {', '.join(setting.choices)}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        least, most = setting.least, setting.most
        if (least is not None and not value >= least) or (
            most is not None and not value <= most
        ):
            raise ConfigError(f"{where}: must be {least:g} to {most:g}, not {value}")
    return value


def _wanted(setting: Setting) -> str:
    return {
        int: "must be a whole number",
        float: "must be a number",
        bool: "must be true or false",
        str: "must be text",
        Path: "must be a path as text",
    }[setting.kind]


def _shown(value: object) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "text"}
    for kind, name in kinds.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a date or time"


def _option(name: str) -> str:
    return f"--{_OPTIONS.get(name, name.split('.')[1]).replace('_', '-')}"


# Options whose name is not the setting's own.
_OPTIONS = {"runner.concurrency": "max_running", "runner.drain_grace": "grace"}


def _build(
    values: dict[str, tuple[object, str]], keys: dict[str, str], path: Path | None
) -> Config:
    config = Config()
    sections: dict[str, Any] = {
        "database": config.database,
        "runner": config.runner,
        "smtp": config.smtp,
        "console": config.console,
    }
    for section, defaults in sections.items():
        given = {
            name.split(".", 1)[1]: value
            for name, (value, _) in values.items()
            if name.startswith(section + ".")
        }
        sections[section] = replace(defaults, **given)
    origins = {name: origin for name, (_, origin) in values.items()}
    origins |= {f"keys.{binding}": str(path) for binding in keys}
    return Config(
        keys=tuple(sorted(keys.items())),
        path=path,
        origins=origins,
        **sections,
    )
