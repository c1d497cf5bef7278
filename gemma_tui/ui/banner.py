"""The banner: one line that says what is wrong, or what the console does.

Several sources (the watcher, the runner, quitting) may each have something
to say; the banner shows them all and hides when none has.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from gemma_tui.text import one_line


class Banner(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self._said: dict[str, str] = {}

    def say(self, source: str, text: str) -> None:
        """Shows `text` (untrusted: it is cleaned and drawn literally)."""
        self._said[source] = one_line(text)
        self._redraw()

    def withdraw(self, source: str) -> None:
        if self._said.pop(source, None) is not None:
            self._redraw()

    def saying(self, source: str) -> str | None:
        return self._said.get(source)

    def _redraw(self) -> None:
        self.update(Content(" │ ".join(self._said.values())))
        self.set_class(bool(self._said), "-shown")
