"""The banner: one line that says what is wrong, or what the console does.

Several sources (the watcher, the runner, quitting) may each have something
to say. They say it on the App's one `Board`; every view has a banner
that shows all of it, and hides when nobody has anything to say, so an
operator learns that the database is gone whichever view is open.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from gemma_tui.text import one_line

# Sources in the order the banner tells them; others in between.
_ORDER = {"leave": -2, "database": -1}


class Board:
    """What the banners say, by source."""

    def __init__(self) -> None:
        self._said: dict[str, str] = {}
        self._banners: list[Banner] = []

    def say(self, source: str, text: str) -> None:
        """Shows `text` (untrusted: it is cleaned and drawn literally)."""
        self._said[source] = one_line(text)
        self._show()

    def withdraw(self, source: str) -> None:
        if self._said.pop(source, None) is not None:
            self._show()

    def saying(self, source: str) -> str | None:
        return self._said.get(source)

    @property
    def text(self) -> str:
        # The line is cut at the terminal's edge: what is most wrong first,
        # whichever source said it first.
        said = sorted(self._said.items(), key=lambda item: _ORDER.get(item[0], 0))
        return " │ ".join(text for _, text in said)

    def pin(self, banner: Banner) -> None:
        if banner not in self._banners:
            self._banners.append(banner)
        banner.show(self.text)

    def unpin(self, banner: Banner) -> None:
        if banner in self._banners:
            self._banners.remove(banner)

    def _show(self) -> None:
        for banner in self._banners:
            banner.show(self.text)


class Banner(Static):
    """One view's copy of the board."""

    def __init__(self, board: Board, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self.board = board

    def on_mount(self) -> None:
        self.board.pin(self)

    def on_unmount(self) -> None:
        self.board.unpin(self)

    def say(self, source: str, text: str) -> None:
        self.board.say(source, text)

    def withdraw(self, source: str) -> None:
        self.board.withdraw(source)

    def saying(self, source: str) -> str | None:
        return self.board.saying(source)

    def show(self, text: str) -> None:
        self.update(Content(text))
        self.set_class(bool(text), "-shown")
