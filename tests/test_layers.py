"""The wall between the queue and the user interface."""

from __future__ import annotations

import ast
from pathlib import Path

import gemma_tui

PACKAGE = Path(gemma_tui.__file__).parent
UI_ONLY = ("textual", "rich", "gemma_tui.ui")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_queue_and_the_database_code_never_import_the_ui() -> None:
    """gemma_tui.queue, .db and .kinds work without Textual."""
    offenders = []
    for folder in ("queue", "db", "kinds"):
        for path in (PACKAGE / folder).rglob("*.py"):
            for name in imported_modules(path):
                if name.split(".")[0] in UI_ONLY or name.startswith(UI_ONLY):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_sql_text_lives_in_sql_files() -> None:
    """No module outside gemma_tui.db composes SQL from strings."""
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "db" not in path.relative_to(PACKAGE).parts
        and any(k in path.read_text("utf-8") for k in keywords)
    ]
    assert offenders == []
