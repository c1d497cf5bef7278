"""A log whose width is still being measured when the App goes away."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from textual.types import NoActiveAppError
from textual.widgets import Log

from gemma_tui.ui.quietlog import QuietLog


def measured_in_a_thread(log: Log) -> BaseException | None:
    """Runs the log's width measure, unwrapped from its worker, as its
    thread does: with no App in reach (the log is on no screen). Returns
    what it raised."""
    measure: Callable[..., Any] = type(log)._update_size.__wrapped__  # type: ignore[attr-defined]
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(measure, log, 0, ["a line"]).exception()


def test_a_late_measure_is_dropped() -> None:
    """Textual's own Log raises NoActiveAppError there, which its worker
    turns into a failure of the whole App; QuietLog drops the measure."""
    assert isinstance(measured_in_a_thread(Log()), NoActiveAppError)
    assert measured_in_a_thread(QuietLog()) is None
