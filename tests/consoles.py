"""Driving the console with the pilot: an app on the toy kinds, and waits.

Conditions are polled in short pauses, never waited for with long sleeps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.pilot import Pilot

from gemma_tui.db import Connection
from gemma_tui.queue.kinds import Registry
from gemma_tui.ui import messages
from gemma_tui.ui.app import ConsoleApp
from tests import toy
from tests.running import FAST


def console(
    dsn: str,
    *,
    runner: bool = False,
    registry: Registry | None = None,
    **options: Any,
) -> ConsoleApp:
    options.setdefault("reviewer", "rita")
    app = ConsoleApp(
        dsn,
        registry or toy.registry(),
        run_runner=runner,
        runner_settings=FAST,
        **options,
    )
    app.animation_level = "none"
    return app


async def until(
    pilot: Pilot[Any], check: Callable[[], object], tries: int = 300
) -> None:
    """Polls `check` in pauses of 50 ms, up to `tries` times."""
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"gave up waiting for {check}")


async def leave(pilot: Pilot[Any]) -> None:
    """Quits at once, which stops the hosted runner and waits for it."""
    await pilot.press("ctrl+q")
    await until(pilot, lambda: pilot.app.return_code is not None)


def add_import(
    conn: Connection, state: str, kind: str = "toy", user: str = "alice"
) -> int:
    row = conn.execute(
        "INSERT INTO import.imports (state, kind, username, data)"
        " VALUES (%s, %s, %s, '{}') RETURNING id",
        (state, kind, user),
    ).fetchone()
    assert row is not None
    return int(row[0])


def hook(heard: list[Message]) -> Callable[[Message], None]:
    ours = tuple(
        value
        for value in vars(messages).values()
        if isinstance(value, type)
        and issubclass(value, Message)
        and value.__module__ == messages.__name__
    )

    def record(message: Message) -> None:
        if isinstance(message, ours):
            heard.append(message)

    return record
