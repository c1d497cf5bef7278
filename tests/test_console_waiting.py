"""Why a queued import waits, in its detail (the pilot and the real database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from gemma_tui.db import Connection
from gemma_tui.queue.waiting import EXCLUSIVE, SHARED, why_waiting
from gemma_tui.ui import messages
from gemma_tui.ui.detail import DetailScreen
from tests import toy
from tests.consoles import add_import, console, until
from tests.pictures import SIZES, Size, fill, picture_console, settled

STARTED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def start(conn: Connection, import_id: int) -> None:
    conn.execute(
        "UPDATE import.imports SET state = 'running', changed = %s WHERE id = %s",
        (STARTED, import_id),
    )


def test_a_waiting_import_names_what_holds_it_and_its_place(
    conn: Connection,
) -> None:
    """A `reader` needs `toys` shared; a running `toy` import holds it
    exclusively, so the reader waits for it; one queued import is ahead."""
    holder = add_import(conn, "queued", kind="toy")
    start(conn, holder)
    first = add_import(conn, "queued", kind="other")
    reader = add_import(conn, "queued", kind="reader")

    waiting = why_waiting(conn, toy.registry(), reader, "reader")
    assert waiting is not None
    assert (waiting.ahead, waiting.known, waiting.scheduled) == (1, True, False)
    [need] = waiting.needs
    assert (need.resource, need.mode, need.blocked) == ("toys", SHARED, True)
    [held] = need.holders
    assert (held.import_id, held.kind, held.mode) == (holder, "toy", EXCLUSIVE)
    assert held.since == STARTED

    # The first in line waits for nothing.
    ahead = why_waiting(conn, toy.registry(), first, "other")
    assert ahead is not None and ahead.ahead == 0
    assert [need.blocked for need in ahead.needs] == [False]
    assert why_waiting(conn, toy.registry(), holder, "toy") is None


async def test_the_detail_of_a_queued_import_says_why_it_waits(
    dsn: str, conn: Connection
) -> None:
    holder = add_import(conn, "queued", kind="toy")
    start(conn, holder)
    reader = add_import(conn, "queued", kind="reader")
    app = console(dsn, clock=lambda: STARTED)
    async with app.run_test(size=(100, 40)) as pilot:
        app.post_message(messages.ImportChosen(reader))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        shown = app.screen.query_one("#waiting", Static)
        await until(pilot, lambda: shown.display and "toys" in str(shown.render()))
        text = str(shown.render())
        assert "Due now, first in line." in text
        assert "toys (shared): it waits for it." in text
        assert f"  #{holder} toy holds it exclusive since" in text

        # The holder ends: the detail reads again and the way is free.
        conn.execute(
            "UPDATE import.imports SET state = 'pending' WHERE id = %s", (holder,)
        )
        await until(pilot, lambda: "toys (shared): free." in str(shown.render()))
        assert "Nothing holds it back" in str(shown.render())


async def test_a_scheduled_import_says_when_it_is_due(
    dsn: str, conn: Connection
) -> None:
    later = add_import(conn, "queued", kind="other")
    conn.execute(
        "UPDATE import.imports SET due = '2031-01-02 03:04:05+00' WHERE id = %s",
        (later,),
    )
    done = add_import(conn, "failed", kind="other")
    app = console(dsn)
    async with app.run_test(size=(100, 40)) as pilot:
        app.post_message(messages.ImportChosen(later))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        shown = app.screen.query_one("#waiting", Static)
        await until(pilot, lambda: "Scheduled" in str(shown.render()))
        assert "Scheduled: due 2031-01-02 03:04:05" in str(shown.render())

        await pilot.press("escape")
        app.post_message(messages.ImportChosen(done))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        await until(pilot, lambda: screen.detail is not None)
        assert not screen.query_one("#waiting", Static).display


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_a_span_of_time_in_why_it_waits_stays_on_one_line(
    dsn: str, conn: Connection, size: Size
) -> None:
    """`fill`'s queued #7 waits for #6, which has held both its resources
    for 1m 00s: each "(1m 00s)" reads on one line as drawn."""
    fill(conn)
    app = picture_console(dsn)
    async with app.run_test(size=size) as pilot:
        await settled(4)(pilot)
        app.post_message(messages.ImportChosen(7))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        shown = app.screen.query_one("#waiting", Static)
        await until(pilot, lambda: "gauges" in str(shown.render()))
        await pilot.pause()
        drawn = shown.render_lines(shown.region.reset_offset)
        lines = [strip.text for strip in drawn]
        assert sum(line.count("(1m 00s)") for line in lines) == 2, lines
