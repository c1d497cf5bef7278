"""The banner's one line: most wrong first, whoever said it first."""

from __future__ import annotations

from gemma_tui.ui.banner import Board


def test_the_database_comes_before_what_it_causes_and_leaving_before_all() -> None:
    board = Board()
    board.say("runner", "Runner: cannot reach the database")
    board.say("database", "Database unreachable")
    assert board.text == "Database unreachable │ Runner: cannot reach the database"
    board.say("leave", "Stopping the runner")
    assert board.text.startswith("Stopping the runner │ Database unreachable")
    board.withdraw("database")
    assert board.text == "Stopping the runner │ Runner: cannot reach the database"
