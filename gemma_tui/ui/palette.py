"""The command palette (ctrl+p): the console's actions, and "open import
#N" for any number typed.

Only actions the App allows now are offered (`check_action`), so the
palette never reaches further than the keys: in read-only mode it decides
nothing. Titles are fixed words; an import's kind is shown literally.
"""

from __future__ import annotations

import re
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from gemma_tui.text import one_line
from gemma_tui.ui.messages import ImportChosen
from gemma_tui.ui.operating import OperatingApp

# (title, the App's action, what it does)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Accept", "accept", "the marked pending imports, or the highlighted one"),
    ("Decline", "decline", "the marked pending imports, or the highlighted one"),
    (
        "Accept all matching",
        "accept_matching",
        "every pending import the filter matches",
    ),
    (
        "Decline all matching",
        "decline_matching",
        "every pending import the filter matches",
    ),
    ("New import", "enqueue", "queue a file as an import of a chosen kind"),
    ("Retry now", "retry_import", "the highlighted failed import, as a new one"),
    ("Cancel import", "cancel_import", "the highlighted queued import"),
    ("Pause runner", "pause_runner", "this console's runner takes nothing new"),
    ("Resume runner", "resume_runner", "this console's runner takes imports again"),
    ("Filter", "open_filter", "write a filter for every list"),
    ("Clear filter", "clear_filter", "show every import again"),
    ("Overview", "show_overview", "the live panes"),
    ("History", "show_history", "every import, newest first"),
    ("Log", "show_log", "the log stream, full screen"),
    ("Locks", "show_locks", "every dependency resource held or wanted"),
    ("Runners", "show_runners", "the runners and the imports each runs"),
    ("Keys", "show_help", "every key with its binding id"),
    ("Quit", "ask_quit", "asks first while imports run"),
)

_NUMBER = re.compile(r"^\s*(?:open\s+)?(?:import\s+)?#?(\d{1,18})\s*$", re.I)


class ConsoleCommands(Provider):
    def _offered(self) -> list[tuple[str, str, str]]:
        app = self.app
        return [
            command
            for command in COMMANDS
            if app.check_action(command[1], ()) and hasattr(app, f"action_{command[1]}")
        ]

    async def _run(self, action: str) -> None:
        await self.app.run_action(action)

    async def discover(self) -> Hits:
        for title, action, help_text in self._offered():
            yield DiscoveryHit(
                Content(title), partial(self._run, action), title, help_text
            )

    async def search(self, query: str) -> Hits:
        found = _NUMBER.match(query)
        if found:
            yield self._jump(int(found[1]))
        matcher = self.matcher(query)
        for title, action, help_text in self._offered():
            score = matcher.match(title)
            if score > 0:
                display = matcher.highlight(title)
                yield Hit(score, display, partial(self._run, action), title, help_text)

    def _jump(self, import_id: int) -> Hit:
        title = f"Open import #{import_id}"
        app = self.app
        known = app.known_import(import_id) if isinstance(app, OperatingApp) else None
        # The palette reads help as markup: the kind goes into the title,
        # which is literal Content.
        shown = f"{title} · {one_line(known, 40)}" if known else title
        chosen = partial(app.post_message, ImportChosen(import_id))
        return Hit(1.0, Content(shown), chosen, title, "its detail")
