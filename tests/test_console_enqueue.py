"""A new import from a file (`n`), by the pilot, keyboard only."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Static

from gemma_tui.db import Connection, connect
from gemma_tui.kinds import load_kinds
from gemma_tui.queue.imports import logs_of
from gemma_tui.queue.kinds import Registry
from gemma_tui.samples import __file__ as samples_init
from gemma_tui.ui import messages
from gemma_tui.ui.app import ConsoleApp
from gemma_tui.ui.confirm import Confirm
from gemma_tui.ui.newimport import FileTree, NewImportScreen
from gemma_tui.ui.panes import QueuedTable
from gemma_tui.ui.screen import ConsoleScreen
from tests import toy
from tests.consoles import console, hook, until
from tests.test_console_batch import dialog_text
from tests.test_console_palette import offered

SAMPLE = Path(samples_init).parent / "viadonau_asc" / "20220516062300.asc"


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory: a folder holding one real ASC export."""
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    monkeypatch.chdir(folder)
    return folder


def rows(conn: Connection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT id, state::text, kind, username, data FROM import.imports"
    ).fetchall()


def problem(app: ConsoleApp) -> str:
    line = app.screen.query_one("#new-import-problem", Static)
    return str(line.render()) if line.display else ""


async def open_dialog(pilot: Pilot[Any]) -> FileTree:
    """`n`, then waits until the file tree has read its directory."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
    await pilot.press("n")
    await until(pilot, lambda: isinstance(app.screen, NewImportScreen))
    tree = app.screen.query_one(FileTree)
    await until(pilot, lambda: tree.root.children)
    return tree


async def highlight_file(pilot: Pilot[Any], tree: FileTree, name: str) -> None:
    """Moves the tree's cursor down, by key, to the entry `name`."""
    for _ in range(20):
        node = tree.cursor_node
        if node is not None and node.data is not None and node.data.path.name == name:
            return
        await pilot.press("down")
    raise AssertionError(f"{name} is not in the tree")


async def type_path(pilot: Pilot[Any], path: str) -> None:
    """Tab from the kind list past the tree to the path, types it, Enter."""
    await pilot.press("tab", "tab")
    await pilot.press(*path, "enter")


async def test_a_sample_file_picked_in_the_tree_is_queued_as_the_operator(
    dsn: str, conn: Connection, exports: Path, heard: list[Message]
) -> None:
    """`n`, Enter on the kind gm, the export in the tree, Enter, `y`: the
    import is queued as rita with the file's absolute path, its log says
    the console queued it by rita, a toast names it and the Queued pane
    shows it."""
    app = console(dsn, registry=load_kinds().registry)
    async with app.run_test(
        size=(80, 24), notifications=True, message_hook=hook(heard)
    ) as pilot:
        tree = await open_dialog(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: tree.has_focus)
        await highlight_file(pilot, tree, SAMPLE.name)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        text = dialog_text(app)
        assert "Queue a new import of kind gm?" in text
        assert f"File: {exports / SAMPLE.name}" in text
        assert f"Size: {SAMPLE.stat().st_size:,} bytes" in text
        assert "User: rita" in text
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        await until(
            pilot, lambda: any(isinstance(x, messages.ImportEnqueued) for x in heard)
        )
        [done] = [x for x in heard if isinstance(x, messages.ImportEnqueued)]
        queued = app.query_one("#queued", QueuedTable)
        await until(pilot, lambda: str(done.import_id) in queued.row_keys)
        notes = [note.message for note in app._notifications]
    assert notes == [f"Queued #{done.import_id}: gm, {SAMPLE.name}."]
    data = json.dumps({"file": str(exports / SAMPLE.name)})
    assert rows(conn) == [(done.import_id, "queued", "gm", "rita", data)]
    lines = [line.message for line in logs_of(conn, done.import_id)]
    assert lines == ["Queued from the console by 'rita'."]


async def test_a_typed_path_is_queued_for_the_kind_chosen(
    dsn: str, conn: Connection, exports: Path
) -> None:
    """Down to `st` in the kinds, Tab twice to the path, a relative path
    typed, Enter, Enter: queued as st with the absolute path."""
    app = console(dsn, registry=load_kinds().registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await pilot.press("down")
        await type_path(pilot, SAMPLE.name)
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "Queue a new import of kind st?" in dialog_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: rows(conn))
    [(_, state, kind, user, data)] = rows(conn)
    assert (state, kind, user) == ("queued", "st", "rita")
    assert json.loads(data) == {"file": str(exports / SAMPLE.name)}


async def test_without_as_the_confirmation_names_the_login_role(
    dsn: str, conn: Connection, exports: Path
) -> None:
    """A console started without `--as` names the role it logged in as,
    which the database says, and the import is queued as that role."""
    with connect(dsn) as own:
        login = own.execute("SELECT current_user").fetchone()
    assert login is not None
    app = console(dsn, registry=load_kinds().registry, reviewer=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await type_path(pilot, SAMPLE.name)
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert f"User: {login[0]}" in dialog_text(app)
        await pilot.press("y")
        await until(pilot, lambda: rows(conn))
    [(_, _, _, user, _)] = rows(conn)
    assert user == login[0]


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("escape",), id="kinds"),
        pytest.param(("tab", "escape"), id="tree"),
        pytest.param(("tab", "tab", *"/tmp", "escape"), id="path"),
    ],
)
async def test_escape_in_any_part_of_the_dialog_queues_nothing(
    dsn: str, conn: Connection, exports: Path, keys: tuple[str, ...]
) -> None:
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await pilot.press(*keys)
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        await pilot.pause(0.2)
    assert rows(conn) == []


async def test_escape_on_the_confirmation_goes_back_and_queues_nothing(
    dsn: str, conn: Connection, exports: Path
) -> None:
    """Escape on the confirmation comes back to the dialog with the path
    still typed; `n` does the same; Escape there leaves."""
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await type_path(pilot, SAMPLE.name)
        for refusal in ("escape", "n"):
            await until(pilot, lambda: isinstance(app.screen, Confirm))
            await pilot.press(refusal)
            await until(pilot, lambda: isinstance(app.screen, NewImportScreen))
            # Back in the path, as typed: Enter asks again.
            await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, NewImportScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        await pilot.pause(0.2)
    assert rows(conn) == []


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        pytest.param(".", "is a directory, not a file", id="directory"),
        pytest.param("missing.asc", "no such file: ", id="missing"),
        pytest.param(SAMPLE.name, "is not a .csv file", id="refused-by-kind"),
        pytest.param("~no_such_user_here/a.csv", "no home directory", id="user"),
    ],
)
async def test_a_path_that_cannot_be_queued_says_why_once(
    dsn: str, conn: Connection, exports: Path, typed: str, reason: str
) -> None:
    """A directory, a missing file, a file the kind's `create` refuses, a
    home directory that does not exist: one line in the dialog, which
    stays open; no toast, no row."""
    registry = Registry([toy.CsvKind(), toy.ToyKind()])
    app = console(dsn, registry=registry)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_dialog(pilot)
        await type_path(pilot, typed)
        await until(pilot, lambda: problem(app))
        await pilot.pause(0.2)
        assert problem(app).startswith("Cannot queue it: ")
        assert reason in problem(app)
        assert "\n" not in problem(app)
        assert isinstance(app.screen, NewImportScreen)
        assert list(app._notifications) == []
    assert rows(conn) == []


async def test_a_file_name_that_is_not_utf8_is_shown_cleaned_and_refused(
    dsn: str, conn: Connection, exports: Path
) -> None:
    """A name with a byte that is not UTF-8 shows as � in the tree, and
    picking it says the name is not valid UTF-8."""
    os.remove(exports / SAMPLE.name)
    name = os.fsdecode(b"\xffexport.asc")
    (exports / name).write_text("x")
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await open_dialog(pilot)
        await pilot.press("tab")
        await highlight_file(pilot, tree, name)
        node = tree.cursor_node
        assert node is not None
        assert str(node.label) == "\ufffdexport.asc"
        await pilot.press("enter")
        await until(pilot, lambda: problem(app))
        assert "is not valid UTF-8" in problem(app)
    assert rows(conn) == []


async def test_a_role_that_may_not_enqueue_gets_one_toast_and_no_row(
    dsn: str, conn: Connection, exports: Path
) -> None:
    """The import is written as the console's role: mallory may not, and
    is told so in one toast after confirming."""
    app = console(dsn, reviewer="mallory")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_dialog(pilot)
        await type_path(pilot, SAMPLE.name)
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "User: mallory" in dialog_text(app)
        await pilot.press("y")
        await until(pilot, lambda: app._notifications)
        await pilot.pause(0.2)
        [note] = list(app._notifications)
    assert note.title == "Cannot queue the import"
    assert "permission denied" in note.message
    assert rows(conn) == []


async def test_backspace_in_the_tree_goes_up_a_directory(
    dsn: str, exports: Path
) -> None:
    app = console(dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await open_dialog(pilot)
        await pilot.press("tab", "backspace")
        await until(pilot, lambda: Path(tree.path) == exports.parent)
        await until(pilot, lambda: " in " in str(tree.border_title))
        assert str(tree.border_title).startswith("▶ File for auto in ")
        assert str(tree.border_title).endswith(exports.parent.name)


async def test_a_read_only_console_has_no_new_import(
    dsn: str, conn: Connection, exports: Path
) -> None:
    app = console(dsn, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        assert app.check_action("enqueue", ()) is False
        await pilot.press("n")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConsoleScreen)
        await pilot.press("ctrl+p", *"new")
        await pilot.pause(0.5)
        assert not [o for o in offered(app) if o.startswith("New import")]
    assert rows(conn) == []


async def test_the_palette_offers_a_new_import(dsn: str, exports: Path) -> None:
    app = console(dsn)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        await pilot.press("ctrl+p", *"new import")
        await until(pilot, lambda: any("New import" in o for o in offered(app)))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NewImportScreen))


async def test_without_kinds_n_says_so_and_opens_nothing(dsn: str) -> None:
    app = console(dsn, registry=Registry())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
        await pilot.press("n")
        await until(pilot, lambda: app._notifications)
        assert isinstance(app.screen, ConsoleScreen)
        [note] = list(app._notifications)
    assert note.message == "No import kind is installed here."
