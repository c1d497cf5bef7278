"""What the built-in kinds share: job data naming a file, and reporting
a parser's problems in the import's log."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gemma_tui.errors import BadJobData, GemmaError
from gemma_tui.kinds.asc import Problem
from gemma_tui.queue.kinds import Feedback

MAX_FILE_BYTES = 64 * 1024 * 1024


def file_of(data: Any, keys: tuple[str, ...] = ("file",)) -> Path:
    """The file named by job data of the form {"file": "/path"}, with no
    keys but `keys`.

    The path must be absolute: the runner that reads it may be another
    process, started elsewhere, than the one that queued it.
    """
    if not isinstance(data, dict) or not isinstance(data.get("file"), str):
        raise BadJobData('it must be an object like {"file": "/path"}')
    unknown = sorted(set(data) - set(keys))
    if unknown:
        known = ", ".join(keys)
        raise BadJobData(f"key {unknown[0]!r} is unknown (known: {known})")
    named = data["file"]
    if not named.strip():
        raise BadJobData('it names no file: its "file" is empty')
    path = Path(named)
    if not path.is_absolute():
        raise BadJobData(f"the file must be named by an absolute path, not {named!r}")
    return path


def read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise GemmaError(f"{path} is larger than {MAX_FILE_BYTES >> 20} MiB")
        return path.read_bytes()
    except OSError as error:
        raise GemmaError(f"cannot read {path}: {error.strerror}") from None


def report(
    feedback: Feedback, path: Path, problems: Iterable[Problem], where: str = "line"
) -> int:
    """Writes each problem with the file and its place; returns the warnings."""
    warnings = 0
    for problem in problems:
        place = f"{path.name}, {where} {problem.line}" if problem.line else path.name
        if problem.fatal:
            feedback.error(f"{place}: {problem.message}")
        else:
            feedback.warn(f"{place}: {problem.message}")
            warnings += 1
    return warnings


def rejected(path: Path, problems: Iterable[Problem]) -> GemmaError:
    fatal = sum(1 for problem in problems if problem.fatal)
    return GemmaError(f"{path.name}: {fatal} fault(s) leave its meaning unclear")


def all_known(count: int, things: str) -> str:
    """Why an import that stages nothing ends unchanged. Known includes
    what another import staged and waits for review: that import, once
    accepted, publishes it; declined, its data is gone, and the file must
    be imported again."""
    return (
        f"all {count} {things} are known already"
        " (published, or staged by an import that waits for review)"
    )
