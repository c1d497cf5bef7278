"""The history's window, without a database: pages in, moves, reads due."""

from __future__ import annotations

from datetime import UTC, datetime

from gemma_tui.queue.filters import ImportFilter
from gemma_tui.queue.history import HistoryRow, Span
from gemma_tui.ui.paging import Direction, Page, PageRequest
from gemma_tui.ui.window import PAGE, WINDOW, Window

T = datetime(2026, 1, 1, tzinfo=UTC)
TOTAL = 5000  # ids 1..5000


def rows(ids: range) -> tuple[HistoryRow, ...]:
    return tuple(HistoryRow(n, "accepted", "gm", "anna", None, T, T, T) for n in ids)


def page(
    direction: Direction,
    anchor: int | None,
    limit: int = PAGE,
    replace: bool = False,
    total: int = TOTAL,
) -> Page:
    """What the database would answer for ids 1..total, newest first."""
    if direction is Direction.OLDER:
        top = total if anchor is None else anchor - 1
        found = range(top, max(top - limit, 0), -1)
    else:
        low = 1 if anchor is None else anchor + 1
        found = range(min(low + limit - 1, total), low - 1, -1)
    request = PageRequest(1, direction, anchor, limit, ImportFilter(), replace)
    return Page(request, rows(found), Span(1, total))


def opened(height: int = 20) -> Window:
    window = Window()
    window.height = height
    window.clear(newest=True)
    window.take(page(Direction.OLDER, None, replace=True))
    return window


def ids(window: Window) -> list[int]:
    return [row.id for row in window.rows]


def feed(window: Window) -> None:
    """Reads what the window asks for until it asks no more."""
    while (due := window.next_read()) is not None:
        owed = window.take(page(*due))
        if owed:
            window.move(owed)


def test_the_first_page_is_the_newest() -> None:
    window = opened()
    assert ids(window)[:3] == [TOTAL, TOTAL - 1, TOTAL - 2]
    assert window.at_newest and not window.at_oldest
    assert window.highlighted is not None and window.highlighted.id == TOTAL


def test_a_cursor_near_the_unread_edge_asks_for_older_rows() -> None:
    window = opened()
    assert window.margin == 100
    assert window.next_read() is None
    window.move(PAGE - window.margin)
    assert window.next_read() == (Direction.OLDER, TOTAL - PAGE + 1)


def test_moving_past_the_rows_read_is_owed_until_the_page_comes() -> None:
    window = opened()
    window.move(PAGE + 5)
    assert window.highlighted is not None
    assert window.highlighted.id == TOTAL - PAGE + 1
    assert window.owed == 6
    owed = window.take(page(Direction.OLDER, TOTAL - PAGE + 1))
    assert owed == 6
    window.move(owed)
    assert window.highlighted.id == TOTAL - PAGE - 5


def test_the_window_never_holds_more_than_its_most() -> None:
    window = opened()
    for _ in range(TOTAL // 10):
        window.page(1)
        feed(window)
        assert len(window.rows) <= WINDOW
        assert ids(window) == list(range(ids(window)[0], ids(window)[-1] - 1, -1))
    assert window.at_oldest and not window.at_newest
    assert window.highlighted is not None and window.highlighted.id == 1


def test_the_screen_follows_the_cursor_and_stays_on_rows() -> None:
    window = opened(height=10)
    window.move(15)
    assert (window.cursor, window.top) == (15, 6)
    window.move(-12)
    assert (window.cursor, window.top) == (3, 3)
    window.page(1)
    assert (window.cursor, window.top) == (13, 13)


def test_a_reread_keeps_the_cursor_on_its_import() -> None:
    window = opened(height=10)
    window.move(4)
    anchor, size = window.reread()
    assert (anchor, size) == (None, PAGE)
    # Two imports arrived meanwhile: the page now starts two ids higher.
    window.take(page(Direction.OLDER, anchor, size, replace=True, total=TOTAL + 2))
    assert window.highlighted is not None and window.highlighted.id == TOTAL - 4
    assert window.top == 0  # at the top, new imports show above


def test_to_the_oldest_needs_a_read_unless_the_oldest_is_held() -> None:
    window = opened()
    assert not window.to_oldest()
    window.clear(newest=False)
    window.take(page(Direction.NEWER, None, replace=True))
    assert window.at_oldest and window.highlighted is not None
    assert window.highlighted.id == 1
    assert window.next_read() is None
    window.move(-PAGE + window.margin - 1)
    assert window.next_read() == (Direction.NEWER, PAGE)
    assert window.to_oldest() and not window.to_newest()


def test_the_share_runs_from_top_to_bottom() -> None:
    window = opened(height=10)
    assert window.share(Span(1, TOTAL)) == 0.0
    window.clear(newest=False)
    window.take(page(Direction.NEWER, None, replace=True))
    assert window.share(Span(1, TOTAL)) == 1.0
    assert Window().share(Span(None, None)) == 0.0
