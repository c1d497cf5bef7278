"""Benchmark of the overview's log pane under a stream of lines.

Not a test (pytest does not collect it, and nothing here asserts a time):
it writes batches of log lines into a LogPane in a headless App, as the
watcher's batches arrive, and prints what a line costs, what switching a
level off and on again costs with the pane full, and how many lines the
pane holds. Run it as

    .venv/bin/python -m tests.bench_logpane [--lines N] [--batch N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from gemma_tui.queue.imports import LogLine
from gemma_tui.ui.logpane import LogPane

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LEVELS = ("info", "info", "info", "warn", "error")


class Bench(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPane(UTC, id="log")


def batch(start: int, size: int) -> list[LogLine]:
    return [
        LogLine(
            n,
            n % 97,
            START + timedelta(milliseconds=n),
            LEVELS[n % len(LEVELS)],
            f"line {n}: staged values for gauge {n % 13}, series {n % 7}",
        )
        for n in range(start, start + size)
    ]


async def measure(lines: int, size: int) -> None:
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(LogPane)
        costs = []
        for start in range(0, lines, size):
            lines_in = batch(start, size)
            began = time.perf_counter()
            pane.add(lines_in)
            await pilot.pause()
            costs.append((time.perf_counter() - began) / size)
        toggles = []
        for _ in range(10):
            began = time.perf_counter()
            pane.action_toggle_level("info")
            await pilot.pause()
            toggles.append(time.perf_counter() - began)
        print(f"lines written      {lines} in batches of {size}")
        print(f"per line, median   {statistics.median(costs) * 1e6:.1f} us")
        print(f"per line, worst    {max(costs) * 1e6:.1f} us")
        print(f"level switch       {statistics.median(toggles) * 1e3:.1f} ms median")
        print(f"held by the pane   {pane.line_count} lines shown")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=250)
    options = parser.parse_args()
    asyncio.run(measure(options.lines, options.batch))


if __name__ == "__main__":
    main()
