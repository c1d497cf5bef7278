"""The detail view driven by the pilot: open, read, toggle, follow, go back."""

from __future__ import annotations

from textual.widgets import Static

from gemma_tui.db import Connection
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.detail import DetailLog, DetailScreen
from gemma_tui.ui.messages import ImportChosen
from gemma_tui.ui.panes import ReviewTable
from tests.consoles import add_import, console, until

SHOWN = "[@click=app.quit]x[/]"
HOSTILE = SHOWN + " \x1b]2;x\x1b\\"  # cleaned, it shows as SHOWN


def log(conn: Connection, import_id: int, level: str, message: str) -> None:
    conn.execute(
        "INSERT INTO import.import_logs (import_id, kind, msg) VALUES (%s, %s, %s)",
        (import_id, level, message),
    )


def detail_of(app: ConsoleApp) -> DetailScreen:
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    return screen


def text_of(app: ConsoleApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_enter_opens_the_highlighted_import_and_escape_goes_back(
    dsn: str, conn: Connection
) -> None:
    older = add_import(conn, "pending")
    newer = add_import(conn, "pending")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.query_one("#review", ReviewTable)
        await until(pilot, lambda: review.row_keys == [str(newer), str(older)])
        await pilot.press("down", "enter")

        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert detail_of(app).import_id == older
        await until(pilot, lambda: detail_of(app).detail is not None)
        assert "Import #" in str(app.screen.query_one("#detail-facts").border_title)

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DetailScreen))
        assert review.highlighted_key == str(older)
        assert app.return_code is None


async def test_level_keys_hide_and_show_log_lines(dsn: str, conn: Connection) -> None:
    import_id = add_import(conn, "failed")
    for level in ("info", "warn", "error", "info"):
        log(conn, import_id, level, f"a {level} line")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(ImportChosen(import_id))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        lines = app.screen.query_one(DetailLog)
        await until(pilot, lambda: len(lines.lines) == 4)

        await pilot.press("i")
        assert [line.split()[2] for line in lines.lines] == ["warn", "error"]
        await pilot.press("e")
        assert [line.split()[2] for line in lines.lines] == ["warn"]
        assert "showing warn (i w e) · 1 of 4 lines" in str(lines.border_title)
        await pilot.press("i", "e", "w")
        assert [line.split()[2] for line in lines.lines] == ["info", "error", "info"]


LONG = (
    "Station 'KIENSTOCK' (Donau km 2015.21): the water level series ends on "
    "2024-04-30 at 23:45, fourteen hours before the others; staged up to then"
)


async def test_a_long_log_line_wraps_under_its_message(
    dsn: str, conn: Connection
) -> None:
    """A warning longer than the pane goes on over several lines, each
    inside the pane, the rest indented under the message, and every word
    is there; narrowed from 100 to 80 columns, it wraps again."""
    import_id = add_import(conn, "pending")
    log(conn, import_id, "warn", LONG)
    log(conn, import_id, "info", "short")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(ImportChosen(import_id))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        pane = app.screen.query_one(DetailLog)
        await until(pilot, lambda: any("short" in line for line in pane.lines))
        wide = wrapped(pane)

        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: len(pane.lines) > len(wide))
        wrapped(pane)
        assert "2 of 2 lines" in str(pane.border_title)


def wrapped(pane: DetailLog) -> list[str]:
    """The pane's lines, checked: the long one over several, inside the
    pane, indented under its message, every word there; the short last."""
    width = pane.scrollable_content_region.width
    lines = list(pane.lines)
    assert len(lines) >= 3
    assert all(len(line) <= width for line in lines)
    indent = lines[0].index("Station")
    assert all(line.startswith(" " * indent) for line in lines[1:-1])
    assert " ".join(part.strip() for part in lines[:-1]).endswith(LONG)
    assert lines[-1].endswith("info  short")
    return lines


async def test_the_detail_follows_its_import(dsn: str, conn: Connection) -> None:
    import_id = add_import(conn, "queued")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(ImportChosen(import_id))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = detail_of(app)
        await until(pilot, lambda: screen.detail is not None)

        conn.execute(
            "UPDATE import.imports SET state = 'running' WHERE id = %s", (import_id,)
        )
        await until(pilot, lambda: screen.detail and screen.detail.state == "running")
        assert "Started" in text_of(app, "#facts")

        log(conn, import_id, "warn", "a new warning")
        lines = screen.query_one(DetailLog)
        await until(pilot, lambda: any("a new warning" in s for s in lines.lines))


async def test_hostile_text_in_the_detail_is_literal(
    dsn: str, conn: Connection
) -> None:
    row = conn.execute(
        "INSERT INTO import.imports (state, kind, username, data, summary)"
        " VALUES ('failed', %(h)s, %(h)s, %(data)s, %(s)s) RETURNING id",
        {"h": HOSTILE, "s": HOSTILE, "data": '{"note": "\\u009b2J"}'},
    ).fetchone()
    assert row is not None
    import_id = int(row[0])
    log(conn, import_id, "error", HOSTILE + "\n  more \x1bc")
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(ImportChosen(import_id))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        await until(pilot, lambda: detail_of(app).detail is not None)
        await pilot.pause()

        facts = text_of(app, "#facts")
        assert f"Kind      {SHOWN} (unknown here)" in facts
        assert f"User      {SHOWN}" in facts
        assert text_of(app, "#summary").rstrip() == SHOWN
        assert text_of(app, "#data") == '{\n  "note": ""\n}'
        assert text_of(app, "#errors").endswith(f"\n{SHOWN} \n  more")
        lines = app.screen.query_one(DetailLog).lines
        assert lines[0].rstrip().endswith(f"error {SHOWN}")
        assert not any("\x1b" in line or "\x9b" in line for line in lines)
        assert app.return_code is None


async def test_a_missing_import_says_so(dsn: str) -> None:
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(ImportChosen(4242))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        await until(pilot, lambda: "cannot find" in text_of(app, "#facts"))
        assert text_of(app, "#facts") == "cannot find import #4242"
