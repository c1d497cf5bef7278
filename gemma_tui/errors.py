"""The project's own exceptions: what a person reads when something fails.

Database errors are translated here, at the boundary, so that the command
line and the console show one readable line instead of a driver's message.
"""

from __future__ import annotations

import psycopg


class GemmaError(Exception):
    """An error a user can cause or fix; its text is shown as it is."""


class DatabaseUnavailable(GemmaError):
    """The database cannot be reached (bad address, server down)."""


class NotFound(GemmaError):
    """An import that does not exist."""


class NotPending(GemmaError):
    """A decision on an import that is not waiting for review."""


class UnknownKind(GemmaError):
    """A kind that no one has registered."""


class BadJobData(GemmaError):
    """Job data that a kind cannot build a job from."""


class PermissionDenied(GemmaError):
    """The acting role lacks the right to do this."""


class ReadOnly(GemmaError):
    """A change asked of a session that may only read."""


def readable(error: psycopg.Error) -> GemmaError:
    """Translates a driver error into one of ours, keeping its first line."""
    first = _first_line(error)
    if isinstance(error, psycopg.OperationalError) and error.sqlstate is None:
        return DatabaseUnavailable(f"cannot reach the database: {first}")
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        if first.startswith("permission denied"):
            return PermissionDenied(first)
        return PermissionDenied(f"permission denied: {first}")
    if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
        return ReadOnly(f"read-only session: {first}")
    return GemmaError(f"database error: {first}")


def database_story(error: psycopg.Error) -> str:
    """The readable line of `error`, then the server's detail and hint and
    the error's code, each on a line of its own."""
    lines = [str(readable(error))]
    diag = error.diag
    for label, text in (("detail", diag.message_detail), ("hint", diag.message_hint)):
        if text and text.strip():
            lines.append(f"{label}: {' '.join(text.split())}")
    if error.sqlstate:
        lines.append(f"SQLSTATE {error.sqlstate}")
    return "\n".join(lines)


def _first_line(error: psycopg.Error) -> str:
    diag = error.diag.message_primary if error.diag else None
    text = diag or str(error) or type(error).__name__
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
