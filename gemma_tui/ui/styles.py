"""Where the console's stylesheets live.

An installed wheel carries them as `gemma_tui/styles` (the build maps the
checkout's top-level `styles/` there); a checkout has them beside the
package.
"""

from __future__ import annotations

from pathlib import Path, PurePath

import gemma_tui

CONSOLE = "console.tcss"
# Every stylesheet of the console: one for each screen.
SHEETS = (
    CONSOLE,
    "detail.tcss",
    "history.tcss",
    "filter.tcss",
    "help.tcss",
    "newimport.tcss",
)


def stylesheet_dir() -> Path:
    """The directory that holds the `.tcss` files."""
    package = Path(gemma_tui.__file__).resolve().parent
    installed = package / "styles"
    if installed.is_dir():
        return installed
    return package.parent / "styles"


def stylesheet(name: str = CONSOLE) -> Path:
    return stylesheet_dir() / name


def stylesheets() -> list[str | PurePath]:
    """Every stylesheet, typed as Textual's `CSS_PATH` wants it."""
    return [stylesheet(name) for name in SHEETS]
