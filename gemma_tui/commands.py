"""What each command of the command line does."""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType

from gemma_tui.config import Config, DatabaseConfig
from gemma_tui.db import Connection
from gemma_tui.errors import GemmaError
from gemma_tui.kinds import LoadedKinds, load_kinds
from gemma_tui.queue import imports
from gemma_tui.queue.kinds import Registry
from gemma_tui.session import Database, open_database

FINISHED = ("failed", "unchanged", "pending", "accepted", "declined")
_RELATIVE = re.compile(r"^\+(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def run(args: argparse.Namespace, config: Config) -> int:
    command = args.command or "console"
    if command == "config":
        return show_config(config)
    if command == "status":
        from gemma_tui.status import status

        origin = config.origin("database.dsn")
        return status(config.database, origin, as_json=args.json)
    loaded = load_kinds()
    for problem in loaded.problems:
        print(f"gemma-tui: {problem}", file=sys.stderr)
    if command == "kinds":
        return kinds(loaded)
    if command in ("console", "demo", "runner"):
        from gemma_tui import hosts

        host: _Host = getattr(hosts, command)
        return host(args, config, loaded.registry, loaded.problems)
    if command == "bench":
        return bench(args, config.database)
    if command == "serve":
        from gemma_tui.serve import serve

        return serve(args, config)
    where = config.database
    database = open_database(where.dsn, where.data_dir, config.origin("database.dsn"))
    try:
        handler = _HANDLERS[command]
        return handler(args, database, loaded.registry)
    finally:
        database.conn.close()


def show_config(config: Config) -> int:
    """Prints the settings in effect, once the console's are checked too."""
    from gemma_tui.configtext import as_toml
    from gemma_tui.ui.settings import checked_console

    checked_console(config)
    print(as_toml(config), end="")
    return 0


def bench(args: argparse.Namespace, where: DatabaseConfig) -> int:
    """Runs the bench in a database of its own on the chosen server."""
    from dataclasses import replace

    import psycopg

    from gemma_tui.bench.run import BenchSettings
    from gemma_tui.bench.run import bench as measure
    from gemma_tui.db.server import resolve
    from gemma_tui.errors import readable

    settings = BenchSettings(
        imports=args.imports,
        runners=args.runners,
        bare_clients=args.bare_clients,
        samples=args.samples,
    )
    if args.concurrency:
        settings = replace(settings, concurrency=args.concurrency)
    # Stopped, it stops its runners and drops its database on the way out.
    signal.signal(signal.SIGTERM, _leave)
    try:
        figures = measure(resolve(where.dsn, where.data_dir).dsn, settings)
    except psycopg.Error as error:
        raise readable(error) from error
    print(figures.json() if args.json else figures.text())
    return 0


def _leave(number: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + number)


def init_db(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    from gemma_tui.db.migrate import current_version

    print(f"schema at version {current_version(db.conn)} in {db.target.describe()}")
    return 0


def kinds(loaded: LoadedKinds) -> int:
    """Lists the kinds as a table; needs no database."""
    rows = [_KINDS_HEADER]
    for entry in loaded.registry.base_kinds():
        deps = entry.dependencies
        rows.append(
            (
                entry.name,
                "no" if entry.auto_accept else "yes",
                ", ".join(sorted(deps.exclusive)) or "-",
                ", ".join(sorted(deps.shared)) or "-",
                str(loaded.providers[entry.name]),
                entry.description,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for row in rows:
        cells = [f"{c:<{w}}" for c, w in zip(row[:-1], widths, strict=True)]
        print(_clean("  ".join([*cells, row[-1]])))
    return 0


def enqueue(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    data = args.data if args.data is not None else imports.file_data(args.file)
    import_id = imports.enqueue(
        db.conn,
        registry,
        args.kind,
        data,
        user=args.user,
        due=parse_due(args.due),
        tries=args.tries,
        retry_wait=None
        if args.retry_wait is None
        else timedelta(seconds=args.retry_wait),
        send_email=args.email,
    )
    print(import_id)
    if args.wait:
        state = _wait_until(db.conn, import_id, FINISHED)
        print(f"#{import_id} {state}")
    return 0


def list_imports(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    states = tuple(args.state or imports.STATES)
    unknown = sorted(set(states) - set(imports.STATES))
    if unknown:
        raise GemmaError(
            f"unknown state {unknown[0]!r}; known: {', '.join(imports.STATES)}"
        )
    rows = imports.imports_in(db.conn, states, limit=args.limit)
    if args.json:
        json.dump([row.as_json() for row in rows], sys.stdout, indent=2)
        print()
        return 0
    print(f"{'id':>6} {'state':<9} {'kind':<10} {'user':<14} {'signer':<14} changed")
    for row in rows:
        print(
            f"{row.id:>6} {row.state:<9} {_cell(row.kind, 10)} "
            f"{_cell(row.username, 14)} {_cell(row.signer or '-', 14)} "
            f"{row.changed:%Y-%m-%d %H:%M:%S%z}"
        )
    return 0


def show(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    row, details = imports.get_import(db.conn, args.id)
    record = row.as_json() | details
    if args.json:
        json.dump(record, sys.stdout, indent=2, default=str)
        print()
        return 0
    for key, value in record.items():
        label = _LABELS.get(key, key)
        print(f"{label:>11}: {_clean(_value_text(key, value))}")
    return 0


# Where `show`'s text names a field as `list` heads its column.
_LABELS = {"username": "user"}


def _value_text(key: str, value: object) -> str:
    """A field as `show` prints it for a reader, in words, not Python's."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "summary":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def logs(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    imports.get_import(db.conn, args.id)
    for line in imports.logs_of(db.conn, args.id):
        first, *more = _clean(line.message).splitlines() or [""]
        print(f"{line.time:%Y-%m-%d %H:%M:%S%z} {line.level:<5} {first}")
        # Further lines (a traceback) are marked, so that none of them can
        # pass for a log line of its own.
        for text in more:
            print(f"{'':>30}| {text}")
    return 0


def list_runners(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    from gemma_tui.queue.runners import runners

    rows = runners(db.conn)
    if args.json:
        json.dump([row.as_json() for row in rows], sys.stdout, indent=2)
        print()
        return 0
    print(f"{'id':>4} {'host':<20} {'pid':>7} {'since':<24} {'running':>7} live")
    for row in rows:
        print(
            f"{row.id:>4} {_cell(row.host, 20)} {row.pid:>7} "
            f"{row.started:%Y-%m-%d %H:%M:%S%z}    {row.running:>7} "
            f"{'yes' if row.live else 'no'}"
        )
    return 0


def decide(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    accept = args.decision == "accept"
    review_id = imports.decide(
        db.conn, registry, args.id, accept, reviewer=args.reviewer
    )
    done = "accepted" if accept else "declined"
    print(
        f"#{args.id} {done}; review import #{review_id} carries it out"
        " and is removed once done"
    )
    if not args.wait:
        return 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        outcome = imports.review_outcome(db.conn, args.id, review_id)
        if outcome is not None:
            print(f"#{args.id} {outcome}")
            return 0 if outcome != "retrying" else 1
        time.sleep(0.2)
    raise GemmaError(f"#{args.id} still waits for a runner to carry out the decision")


def email(args: argparse.Namespace, db: Database, registry: Registry) -> int:
    from gemma_tui.queue import mail

    if args.action == "list":
        for role, address in mail.addresses(db.conn):
            print(f"{_cell(role, 20)} {_clean(address)}")
        return 0
    if not args.role:
        raise GemmaError(f"email {args.action} needs a role")
    if args.action == "set":
        if not args.address:
            raise GemmaError("email set needs a role and an address")
        mail.set_address(db.conn, args.role, args.address)
        return 0
    if args.address:
        raise GemmaError("email unset takes a role only")
    if not mail.unset_address(db.conn, args.role):
        raise GemmaError(f"no address is set for role {args.role!r}")
    return 0


def parse_due(text: str | None) -> datetime | timedelta | None:
    """An absolute time with a zone, or a delay like `+10m` that the
    database adds to its own clock."""
    if text is None:
        return None
    if match := _RELATIVE.match(text.strip()):
        amount = float(match[1])
        try:
            return timedelta(**{_UNITS[match[2]]: amount})
        except OverflowError:
            raise GemmaError(f"due delay {text!r} is over 10 years") from None
    try:
        due = datetime.fromisoformat(text)
    except ValueError:
        raise GemmaError(f"cannot read due time {text!r}") from None
    if due.tzinfo is None:
        raise GemmaError(f"due time {text!r} has no time zone (add Z or +01:00)")
    return due


def _wait_until(conn: Connection, import_id: int, states: tuple[str, ...]) -> str:
    """Polls until the import reaches one of `states` (ctrl+c stops it)."""
    while True:
        row, _ = imports.get_import(conn, import_id)
        if row.state in states:
            return row.state
        time.sleep(0.2)


def _cell(text: str, width: int) -> str:
    text = _clean(text)
    return text[: width - 1] + "…" if len(text) > width else f"{text:<{width}}"


def _clean(text: str) -> str:
    from gemma_tui.text import clean

    return clean(text)


_KINDS_HEADER = ("kind", "review", "exclusive", "shared", "package", "description")

_Host = Callable[[argparse.Namespace, Config, Registry, tuple[str, ...]], int]
_Handler = Callable[[argparse.Namespace, Database, Registry], int]

_HANDLERS: dict[str, _Handler] = {
    "init-db": init_db,
    "enqueue": enqueue,
    "list": list_imports,
    "show": show,
    "logs": logs,
    "runners": list_runners,
    "decide": decide,
    "email": email,
}
