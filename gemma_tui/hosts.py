"""The long-running commands: the console, the demo and the headless runner."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType

import platformdirs

from gemma_tui.config import Config, RunnerConfig, SmtpConfig
from gemma_tui.db import connect, read_only
from gemma_tui.db.server import redact, resolve
from gemma_tui.errors import DatabaseUnavailable, GemmaError
from gemma_tui.queue.imports import check_role
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.runner import Runner, RunnerSettings
from gemma_tui.session import bring_up_to_date, open_database

log = logging.getLogger(__name__)


def console(
    args: argparse.Namespace,
    config: Config,
    kinds: Registry,
    notices: tuple[str, ...] = (),
) -> int:
    looks = _checked_console(config)
    where = config.database
    target = resolve(where.dsn, where.data_dir, config.origin("database.dsn"))
    reviewer: str | None = getattr(args, "reviewer", None)
    reached = prepare_console(target.dsn, reviewer)
    watch_only = bool(getattr(args, "read_only", False))
    return _open_console(
        read_only(target.dsn) if watch_only else target.dsn,
        kinds,
        config,
        looks,
        run_runner=not getattr(args, "no_runner", False) and not watch_only,
        reviewer=reviewer,
        watch_only=watch_only,
        schema_unchecked=not reached,
        notices=notices,
    )


def prepare_console(dsn: str, reviewer: str | None) -> bool:
    """Migrates and checks `--as`; False if the database is unreachable.

    The console is where an operator waits for a database to come back,
    so an unreachable one is no reason not to start: its banner says so.
    """
    try:
        conn = connect(dsn)
    except DatabaseUnavailable as error:
        log.warning("starting without the database: %s", error)
        return False
    with conn:
        bring_up_to_date(conn)
        if reviewer is not None:
            # Say so now, not at the first decision.
            check_role(conn, reviewer)
    return True


def demo(
    args: argparse.Namespace,
    config: Config,
    kinds: Registry,
    notices: tuple[str, ...] = (),
) -> int:
    from gemma_tui.demo import prepare

    if args.dsn:
        log.warning("the demo ignores --dsn; it always uses an embedded server")
    looks = _checked_console(config)
    check_terminal()  # before a server starts for nothing
    database = open_database(None, config.database.data_dir)
    prepare(database.conn, kinds)
    database.conn.close()
    return _open_console(
        database.dsn,
        kinds,
        config,
        looks,
        run_runner=True,
        reviewer="demo_reviewer",
        notices=notices,
    )


def runner(
    args: argparse.Namespace,
    config: Config,
    kinds: Registry,
    notices: tuple[str, ...] = (),
) -> int:
    """Runs imports until SIGTERM or SIGINT, then drains and exits.

    `notices` (kind plugins skipped) are on stderr already.
    """
    from gemma_tui import servicelog

    servicelog.log_to_stderr(config.runner.log_format)
    where = config.database
    database = open_database(where.dsn, where.data_dir, config.origin("database.dsn"))
    database.conn.close()
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        servicelog.say("stopping", signal=signal.Signals(number).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    settings = runner_settings(config.runner, config.smtp)
    # The console waits for a database that is gone; a service fails, and
    # its manager decides whether to start it again.
    settings = replace(settings, give_up=config.runner.give_up or None)
    Runner(database.dsn, kinds, settings, report=servicelog.report).run(stop)
    return 0


def runner_settings(runner: RunnerConfig, smtp: SmtpConfig) -> RunnerSettings:
    settings = RunnerSettings(
        queue_role=runner.queue_role,
        poll_interval=runner.poll_interval,
        drain_grace=runner.drain_grace,
        smtp=smtp.settings(),
    )
    if runner.concurrency is not None:
        settings = replace(settings, max_running=runner.concurrency)
    return settings


def _checked_console(config: Config) -> tuple[dict[str, str], str | None]:
    """The console's keymap and theme: a bad file is told before a
    database is looked for, or a server started for nothing."""
    from gemma_tui.ui.settings import checked_console

    return checked_console(config)


def _open_console(
    dsn: str,
    kinds: Registry,
    config: Config,
    looks: tuple[dict[str, str], str | None],
    *,
    run_runner: bool,
    reviewer: str | None,
    watch_only: bool = False,
    schema_unchecked: bool = False,
    notices: tuple[str, ...] = (),
) -> int:
    from gemma_tui.ui.app import ConsoleApp
    from gemma_tui.ui.settings import watch_settings

    keymap, theme = looks
    check_terminal()
    _log_to_file()
    app = ConsoleApp(
        dsn,
        kinds,
        run_runner=run_runner,
        runner_settings=runner_settings(config.runner, config.smtp),
        reviewer=reviewer,
        read_only=watch_only,
        schema_unchecked=schema_unchecked,
        keymap=keymap,
        theme=theme,
        watch_settings=watch_settings(config.console),
        notices=notices,
    )
    log.info("console started on %s", redact(dsn))
    try:
        app.run()
    finally:
        if not app.stop_runner():
            log.warning("the runner did not stop in time; recovery will requeue")
        log.info("console ended")
    return 0 if app.return_code is None else app.return_code


def check_terminal() -> None:
    """Refuses to draw where no terminal is: the screen would go to a file
    or a pipe, and the console would wait for keys that never come."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return  # a browser's console (`serve`) draws through its own driver
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise GemmaError(
            "the console needs a terminal (its input and standard error);"
            " scripts use list, show, enqueue, decide and runner"
        )


def _log_to_file() -> None:
    # Textual draws on stderr, so the process log goes to a file instead.
    directory = Path(platformdirs.user_log_dir("gemma-tui"))
    directory.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(directory / "console.log", encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(logging.INFO)


__all__ = ["console", "demo", "prepare_console", "runner", "sys"]
