"""The filter bar: where the operator writes the filter, and sees it.

Hidden while no filter is set and none is being written. `/` (the App's
binding) opens it for writing; Enter hands the text to the App, which
reads it and applies it to every list; Escape clears the filter.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static

from gemma_tui.ui.messages import FilterWritten

HINT = "kind:gm state:failed,pending user:NAME id:42 words"


class FilterInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.clear_filter", "Clear", id="filter.clear"),
    ]


class FilterBar(Horizontal):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._return_to: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("Filter"), classes="label")
        yield FilterInput(placeholder=HINT, compact=True, select_on_focus=False)

    @property
    def input(self) -> FilterInput:
        return self.query_one(FilterInput)

    def edit(self, text: str) -> None:
        """Shows the bar with `text` and puts the cursor in it."""
        self._return_to = self.screen.focused
        self.input.value = text
        self.input.cursor_position = len(text)
        self.add_class("-shown")
        self.input.focus()

    def show(self, text: str) -> None:
        """Shows the filter in force (hides the bar when there is none)
        and gives the focus back to where it was before writing."""
        self.input.value = text
        self.set_class(bool(text), "-shown")
        if self.input.has_focus:
            target = self._return_to
            if target is not None and target.is_attached and target.display:
                target.focus()
            else:
                self.screen.focus_next()
        self._return_to = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(FilterWritten(event.value.strip()))
