"""The configuration: a file, the environment and options, in that order;
a file that cannot be used is one line and status 2; secrets never show."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from gemma_tui import config
from gemma_tui.config import ConfigError
from gemma_tui.ui.app import HISTORY, OVERVIEW
from gemma_tui.ui.keys import HelpScreen
from gemma_tui.ui.settings import checked_console
from tests.cli import gemma
from tests.consoles import console, until

# A socket directory with no server in it: a database that cannot answer.
NOWHERE = "host=/nonexistent-gemma-socket-dir dbname=nothing"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_environment_overrides_the_file_and_options_override_both(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "c.toml",
        "[runner]\nconcurrency = 3\ndrain_grace = 7.5\nlog_format = 'json'\n"
        "[smtp]\nhost = 'mail.invalid'\nport = 2525\n",
    )
    environ = {"GEMMA_TUI_DRAIN_GRACE": "9", "GEMMA_TUI_SMTP_PORT": "2626"}
    options = {"runner.drain_grace": 11.0, "runner.concurrency": None}

    loaded = config.load(path, options, environ)

    assert loaded.runner.concurrency == 3  # the file; the option was not given
    assert loaded.runner.log_format == "json"
    assert loaded.runner.drain_grace == 11.0  # the option over the variable
    assert loaded.smtp.port == 2626  # the variable over the file
    assert loaded.runner.poll_interval == config.RunnerConfig().poll_interval
    assert loaded.origin("runner.concurrency") == str(path)
    assert loaded.origin("runner.drain_grace") == "--grace"
    assert loaded.origin("smtp.port") == "GEMMA_TUI_SMTP_PORT"
    assert loaded.origin("runner.poll_interval") == "default"
    settings = loaded.smtp.settings()
    assert settings is not None and (settings.host, settings.port) == (
        "mail.invalid",
        2626,
    )


def test_without_a_file_at_the_default_place_the_defaults_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config.default_path() == tmp_path / "gemma-tui" / "config.toml"
    loaded = config.load(None, {}, {})
    assert loaded.path is None
    assert loaded == config.Config()

    write_dir = tmp_path / "gemma-tui"
    write_dir.mkdir()
    write(write_dir / "config.toml", "[runner]\ndrain_grace = 1\n")
    assert config.load(None, {}, {}).runner.drain_grace == 1.0


def test_the_database_follows_the_same_order(dsn: str, tmp_path: Path) -> None:
    """A real server: the file's DSN is used, unless the environment or an
    option names another (here, one where no server listens)."""
    good = write(tmp_path / "good.toml", f"[database]\ndsn = {dsn!r}\n")
    bad = write(tmp_path / "bad.toml", f"[database]\ndsn = {NOWHERE!r}\n")

    assert gemma("--config", str(good), "list").returncode == 0
    assert gemma("--config", str(bad), "list").returncode == 2
    from_env = gemma("--config", str(bad), "list", env={"GEMMA_TUI_DSN": dsn})
    assert from_env.returncode == 0, from_env.stderr
    overridden = gemma(
        "--config", str(good), "list", "--dsn", NOWHERE, env={"GEMMA_TUI_DSN": dsn}
    )
    assert overridden.returncode == 2
    assert "nonexistent-gemma-socket-dir" in overridden.stderr


BAD_FILES = [
    ("[runner\n", "not valid TOML", "line 1"),
    ("[runer]\n", "[runer]", "unknown section"),
    ("[runner]\nspeed = 1\n", "runner.speed", "unknown setting"),
    ("[runner]\nconcurrency = 'four'\n", "runner.concurrency", "number, not 'four'"),
    ("[runner]\nconcurrency = true\n", "runner.concurrency", "whole number"),
    ("[runner]\nconcurrency = 0\n", "runner.concurrency", "1 to 1000"),
    ("[runner]\nlog_format = 'xml'\n", "runner.log_format", "text, json"),
    ("[smtp]\nstarttls = 'yes'\n", "smtp.starttls", "true or false"),
    ("[smtp]\nport = 70000\n", "smtp.port", "1 to 65535"),
    ("runner = 3\n", "runner", "must be a table"),
    ("[keys]\naccept = 1\n", "keys.accept", "keys as text"),
    ("[keys]\nnothing_here = 'x'\n", "keys.nothing_here", "no binding has this id"),
    ("[keys]\naccept = 'ctrl+shft+a'\n", "keys.accept", "'ctrl+shft+a' names no key"),
    ("[keys]\naccept = 'x,pgup'\n", "keys.accept", "'pgup' names no key"),
    ("[keys]\naccept = ''\n", "keys.accept", "keys as text"),
    ("[console]\ntheme = 'plaid'\n", "console.theme", "no theme 'plaid'"),
]


@pytest.mark.parametrize("command", ["console", "config"])
@pytest.mark.parametrize(("text", "key", "problem"), BAD_FILES)
def test_a_bad_file_is_one_line_naming_file_key_and_problem(
    tmp_path: Path, text: str, key: str, problem: str, command: str
) -> None:
    """The console checks its keys and theme before it takes the terminal;
    `config` checks them too, so that it can vet a file."""
    path = write(tmp_path / "bad.toml", text)
    result = gemma("--config", str(path), command)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    line = result.stderr
    assert line.startswith(f"gemma-tui: {path}: ")
    assert key in line and problem in line
    assert "Traceback" not in line


def _missing(path: Path) -> None:
    pass


def _directory(path: Path) -> None:
    path.mkdir()


def _not_utf8(path: Path) -> None:
    path.write_bytes(b"[runner]\n# \xff\xfe\n")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_missing, "no such file"),
        (_directory, "is a directory, not a file"),
        (_not_utf8, "is not UTF-8 text"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_line(
    tmp_path: Path, make: Callable[[Path], None], problem: str
) -> None:
    path = tmp_path / "config.toml"
    make(path)
    result = gemma("--config", str(path), "list")
    assert result.returncode == 2
    assert result.stderr == f"gemma-tui: {path}: {problem}\n"


def test_a_bad_variable_is_one_line_naming_it() -> None:
    result = gemma("config", env={"GEMMA_TUI_SMTP_PORT": "smtp"})
    assert result.returncode == 2
    assert result.stderr == (
        "gemma-tui: GEMMA_TUI_SMTP_PORT: must be a whole number, not 'smtp'\n"
    )
    with pytest.raises(ConfigError, match="GEMMA_TUI_SMTP_STARTTLS"):
        config.load(None, {}, {"GEMMA_TUI_SMTP_STARTTLS": "maybe"})


def test_config_shows_every_setting_with_secrets_masked(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        "[database]\n"
        "dsn = 'host=/run/postgresql user=gemma password=dsn-secret-1'\n"
        "[smtp]\nhost = 'localhost'\nuser = 'mailer'\npassword = 'smtp-secret-2'\n"
        "[keys]\naccept = 'y'\nhistory.down = 'ctrl+j'\n",
    )
    result = gemma(
        "--config",
        str(path),
        "config",
        env={"GEMMA_TUI_SMTP_PASSWORD": "env-secret-3", "GEMMA_TUI_CONCURRENCY": "4"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for secret in ("dsn-secret-1", "smtp-secret-2", "env-secret-3"):
        assert secret not in out
    assert "password=***" in out
    assert 'password = "***"  # GEMMA_TUI_SMTP_PASSWORD' in out
    assert "concurrency = 4  # GEMMA_TUI_CONCURRENCY" in out
    assert f'user = "mailer"  # {path}' in out

    # What it prints is a configuration file that reads back the same.
    shown = tomllib.loads(out)
    assert shown["smtp"]["user"] == "mailer"
    assert shown["keys"] == {"accept": "y", "history.down": "ctrl+j"}
    again = config.load(write(tmp_path / "again.toml", out), {}, {})
    assert again.keymap == {"accept": "y", "history.down": "ctrl+j"}
    assert again.runner.concurrency == 4


async def test_a_key_remapped_in_the_file_changes_the_console(
    dsn: str, tmp_path: Path
) -> None:
    """`history = "x"`: x opens the history, h and 2 no longer do, and the
    help lists x."""
    path = write(tmp_path / "c.toml", "[keys]\nhistory = 'x'\n[console]\ntheme='nord'")
    keymap, theme = checked_console(config.load(path, {}, {}))
    app = console(dsn, keymap=keymap, theme=theme)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        await pilot.press("h", "2")
        await pilot.pause()
        assert app.current_mode == OVERVIEW
        await pilot.press("x")
        await until(pilot, lambda: app.current_mode == HISTORY)
        await pilot.press("1")
        await until(pilot, lambda: app.current_mode == OVERVIEW)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = app.screen
        assert isinstance(shown, HelpScreen)
        rows = {row.id: row.keys for row in shown.rows}
        assert rows["history"] == ("x",)


def test_the_example_in_the_readme_is_a_good_file(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    loaded = config.load(write(tmp_path / "c.toml", example), {}, {})
    keymap, theme = checked_console(loaded)
    assert keymap["history.down"] == "down,j,ctrl+n"
    assert theme == "textual-dark"
    assert loaded.runner.drain_grace == 30.0
