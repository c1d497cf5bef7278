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


def file_of(data: Any) -> Path:
    """The file named by job data of the form {"file": "/path"}."""
    if not isinstance(data, dict) or not isinstance(data.get("file"), str):
        raise BadJobData('job data must be an object like {"file": "/path"}')
    return Path(data["file"])


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
