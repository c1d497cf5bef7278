"""The `gemma-tui` command line.

Every mistake a user can make ends in one line on stderr and exit status 2;
tracebacks are for bugs.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from gemma_tui import __version__, commands, config
from gemma_tui.config import LOG_FORMATS
from gemma_tui.errors import GemmaError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """Reports usage errors as one line with status 2, like other errors."""

    def error(self, message: str) -> None:  # type: ignore[override]  # never returns
        self.exit(EXIT_USAGE, f"gemma-tui: {message} (see --help)\n")


def _common(default: object) -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--dsn", default=default, help="PostgreSQL connection string")
    common.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="directory of the embedded PostgreSQL",
    )
    common.add_argument(
        "--config",
        type=Path,
        default=default,
        metavar="PATH",
        help="configuration file (default: config.toml in the user's config dir)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gemma-tui",
        description="Operator console for a PostgreSQL import queue.",
        parents=[_common(None)],
    )
    # Given after the command, the options must not reset what was given
    # before it.
    common = _common(argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_console(sub, common)
    _add_serve(sub, common)
    _add_simple(sub, common)
    _add_enqueue(sub, common)
    _add_reads(sub, common)
    _add_decide(sub, common)
    _add_email(sub, common)
    _add_bench(sub, common)
    return parser


def _add_console(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    console = sub.add_parser(
        "console", parents=[common], help="the console with a runner (default)"
    )
    console.add_argument(
        "--no-runner", action="store_true", help="watch only; run no imports"
    )
    console.add_argument("--as", dest="reviewer", help="role to decide imports as")
    console.add_argument(
        "--read-only",
        action="store_true",
        help="watch only, in read-only sessions: no runner, no decisions",
    )
    sub.add_parser(
        "demo", parents=[common], help="sample imports on an embedded server"
    )


def _add_serve(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="the console in a browser, on a loopback address only",
    )
    serve.add_argument(
        "--host",
        type=_loopback,
        default="127.0.0.1",
        help="loopback address to listen on (default 127.0.0.1)",
    )
    serve.add_argument("--port", type=_between(1, 65535), default=8000)
    serve.add_argument(
        "--allow-decisions",
        action="store_true",
        help="let the browser's consoles accept and decline (default: read-only)",
    )
    serve.add_argument(
        "--as", dest="reviewer", help="role to decide as (with --allow-decisions)"
    )


def _loopback(text: str) -> str:
    """A loopback address; anything else would put the console on a network."""
    try:
        address = ipaddress.ip_address("127.0.0.1" if text == "localhost" else text)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise argparse.ArgumentTypeError(
            f"not a loopback address: {text!r} (reach serve through an SSH tunnel)"
        )
    return str(address)


def _add_simple(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    runner = sub.add_parser("runner", parents=[common], help="headless runner")
    runner.add_argument(
        "--max-running",
        type=_between(1, 1000),
        metavar="N",
        help="imports run at once (default: the number of CPUs)",
    )
    runner.add_argument(
        "--grace",
        type=_seconds,
        metavar="SECONDS",
        help="how long a stopping runner waits for running imports",
    )
    runner.add_argument(
        "--log-format", choices=LOG_FORMATS, help="one line per event (default text)"
    )
    sub.add_parser("init-db", parents=[common], help="create or upgrade the schema")
    status = sub.add_parser(
        "status", parents=[common], help="exit 0 if a live runner is registered"
    )
    status.add_argument("--json", action="store_true")
    sub.add_parser(
        "config", parents=[common], help="the effective configuration, secrets masked"
    )
    sub.add_parser("kinds", parents=[common], help="list the import kinds")


def _add_enqueue(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    enqueue = sub.add_parser("enqueue", parents=[common], help="queue an import")
    enqueue.add_argument("kind")
    source = enqueue.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", type=Path, help="file to import")
    source.add_argument("--data", help="job data as JSON")
    enqueue.add_argument("--user", help="role to submit as")
    enqueue.add_argument("--due", help="ISO time with zone, or +30s, +10m, +2h, +1d")
    enqueue.add_argument(
        "--tries", type=_tries, help=f"tries left after a failure, 0 to {MAX_TRIES}"
    )
    enqueue.add_argument(
        "--retry-wait",
        type=_seconds,
        metavar="SECONDS",
        help="wait before a retry (shorter than 5 s counts as 5 s)",
    )
    enqueue.add_argument("--wait", action="store_true", help="wait until it ends")
    enqueue.add_argument("--email", action="store_true", help="mail the outcome")


def _add_reads(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    listing = sub.add_parser("list", parents=[common], help="list imports")
    listing.add_argument("--state", action="append", help="only this state")
    listing.add_argument("--limit", type=_between(1, 1_000_000), default=1000)
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", parents=[common], help="one import")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    logs = sub.add_parser("logs", parents=[common], help="the log of one import")
    logs.add_argument("id", type=int)
    listed = sub.add_parser("runners", parents=[common], help="the runners")
    listed.add_argument("--json", action="store_true")


def _add_decide(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    decide = sub.add_parser("decide", parents=[common], help="accept or decline")
    decide.add_argument("id", type=int)
    decide.add_argument("decision", choices=["accept", "decline"])
    decide.add_argument("--as", dest="reviewer", help="role to decide as")
    decide.add_argument("--wait", action="store_true", help="wait until carried out")
    decide.add_argument("--timeout", type=_seconds, default=120.0, metavar="SECONDS")


# The command line refuses what the queue would otherwise clip: a person
# who types -1 or 10**12 has made a mistake and should hear of it.
MAX_TRIES = 200
LONGEST_WAIT = 366 * 24 * 3600.0


def _between(least: int, most: int) -> Callable[[str], int]:
    def number(text: str) -> int:
        value = _integer(text)
        if not least <= value <= most:
            raise argparse.ArgumentTypeError(f"must be {least} to {most}: {text}")
        return value

    return number


def _tries(text: str) -> int:
    value = _integer(text)
    if not 0 <= value <= MAX_TRIES:
        raise argparse.ArgumentTypeError(f"must be 0 to {MAX_TRIES}: {text}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text}") from None
    if not 0 <= value <= LONGEST_WAIT:  # also refuses nan and inf
        days = LONGEST_WAIT / 86_400
        raise argparse.ArgumentTypeError(f"must be 0 s to {days:g} days: {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None


def _add_email(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    email = sub.add_parser(
        "email", parents=[common], help="the roles' mail addresses for outcomes"
    )
    email.add_argument("action", choices=["list", "set", "unset"])
    email.add_argument("role", nargs="?")
    email.add_argument("address", nargs="?")


def _add_bench(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    bench = sub.add_parser(
        "bench",
        parents=[common],
        help="measure runners against the bare SQL in a throw-away database",
    )
    bench.add_argument(
        "-n",
        "--imports",
        type=_positive,
        default=20_000,
        metavar="N",
        help="no-op imports the runners drain, and the bare SQL too (default 20000)",
    )
    bench.add_argument(
        "-r",
        "--runners",
        type=_positive,
        default=2,
        metavar="R",
        help="runner processes (default 2)",
    )
    bench.add_argument(
        "-c",
        "--concurrency",
        type=_positive,
        metavar="C",
        help="imports each runner runs at once (default: the number of CPUs)",
    )
    bench.add_argument(
        "--bare-clients",
        type=_positive,
        default=4,
        metavar="N",
        help="connections that run the bare SQL lifecycle (default 4)",
    )
    bench.add_argument(
        "--samples",
        type=_positive,
        default=200,
        metavar="N",
        help="imports sent one at a time to idle runners (default 200)",
    )
    bench.add_argument(
        "--json", action="store_true", help="print the figures as one JSON object"
    )


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {number}")
    return number


def _options(args: argparse.Namespace) -> dict[str, object]:
    """The settings given as options, by the name the configuration uses."""
    return {
        "database.dsn": args.dsn,
        "database.data_dir": args.data_dir,
        "runner.concurrency": getattr(args, "max_running", None),
        "runner.drain_grace": getattr(args, "grace", None),
        "runner.log_format": getattr(args, "log_format", None),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return commands.run(args, config.load(args.config, _options(args)))
    except GemmaError as error:
        print(f"gemma-tui: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Whoever read the output stopped (`| head`): nothing more to say,
        # and the interpreter must not fail flushing it at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
