"""The log pane: it follows, pauses while scrolled back, filters levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from gemma_tui.db import Connection
from gemma_tui.queue.imports import LogLine
from gemma_tui.ui.logpane import LogPane
from tests.consoles import add_import, console, until

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def log_lines(conn: Connection, import_id: int, count: int, level: str) -> None:
    conn.execute(
        "INSERT INTO import.import_logs (import_id, kind, msg)"
        " SELECT %s, %s::log_type, 'line ' || n FROM generate_series(1, %s) n",
        (import_id, level, count),
    )


async def test_scrolled_back_the_log_counts_new_lines_then_follows_again(
    dsn: str, conn: Connection
) -> None:
    import_id = add_import(conn, "running")
    log_lines(conn, import_id, 60, "info")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.query_one("#log", LogPane)
        await until(pilot, lambda: log.line_count == 60 and log.is_vertical_scroll_end)
        log.focus()
        await pilot.press("home")
        await until(pilot, lambda: log.scroll_y == 0)

        log_lines(conn, import_id, 3, "warn")
        await until(pilot, lambda: log.line_count == 63)
        assert log.scroll_y == 0
        assert "3 new lines below" in str(log.border_title)

        await pilot.press("end")
        await until(pilot, lambda: "new lines" not in str(log.border_title))
        log_lines(conn, import_id, 5, "info")
        await until(pilot, lambda: log.line_count == 68)
        await until(pilot, lambda: log.is_vertical_scroll_end)
        assert "new" not in str(log.border_title)


async def test_levels_can_be_hidden_and_shown_again(dsn: str, conn: Connection) -> None:
    import_id = add_import(conn, "running")
    for level in ("info", "warn", "error", "info"):
        log_lines(conn, import_id, 1, level)
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.query_one("#log", LogPane)
        await until(pilot, lambda: log.line_count == 4)
        log.focus()
        await pilot.press("i")
        assert [line.split()[2] for line in log.lines] == ["warn", "error"]
        assert "hiding info" in str(log.border_title)

        # Lines of a hidden level arriving meanwhile are kept, not shown.
        log_lines(conn, import_id, 2, "info")
        log_lines(conn, import_id, 1, "error")
        await until(pilot, lambda: log.line_count == 3)
        await pilot.press("e")
        assert [line.split()[2] for line in log.lines] == ["warn"]
        await pilot.press("i", "e")
        assert len(log.lines) == 7
        assert "hiding" not in str(log.border_title)


class OneLog(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPane(UTC, max_lines=10, id="log")


def line(number: int, level: str = "info") -> LogLine:
    return LogLine(number, 1, START + timedelta(seconds=number), level, f"n{number}")


async def test_the_log_keeps_a_bounded_number_of_lines() -> None:
    """However many lines come, the pane and what it keeps for redrawing
    hold at most `max_lines`, the newest."""
    app = OneLog()
    async with app.run_test(size=(80, 20)) as pilot:
        log = app.query_one(LogPane)
        for start in range(0, 1000, 100):
            log.add(
                [
                    line(n, "warn" if n % 2 else "info")
                    for n in range(start, start + 100)
                ]
            )
        await pilot.pause()
        assert log.line_count == 10
        assert log.lines[-1].endswith("n999")
        log.focus()
        await pilot.press("i")
        assert log.line_count == 5
        assert [text.split()[-1] for text in log.lines] == [
            f"n{n}" for n in range(991, 1000, 2)
        ]
