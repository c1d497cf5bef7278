"""Kinds as plugins: the entry point loader, and packages installed for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from importlib.metadata import EntryPoint, entry_points, version
from pathlib import Path

import pytest

from gemma_tui.db import Connection
from gemma_tui.kinds import GROUP, load_kinds
from tests import cli
from tests.running import settled, wait_until

BUILTIN = ["gm", "st", "wx"]
OURS = f"gemma-tui {version('gemma-tui')}"


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, GROUP)


def with_builtins(*points: EntryPoint) -> list[EntryPoint]:
    return [*entry_points(group=GROUP), *points]


def test_the_builtin_kinds_come_from_our_entry_points() -> None:
    """gm, st and wx are loaded like any plugin, provided by gemma-tui."""
    loaded = load_kinds()
    assert [entry.name for entry in loaded.registry.base_kinds()] == BUILTIN
    assert {str(loaded.providers[name]) for name in BUILTIN} == {OURS}
    assert (
        loaded.providers["wx"].entry_point == "wx = gemma_tui.kinds.axes:WaterwayAxes"
    )
    assert loaded.problems == ()


def test_a_plugin_kind_is_registered_with_its_review_kind() -> None:
    loaded = load_kinds(with_builtins(point("fine", "tests.plugin_kinds:Fine")))
    assert loaded.problems == ()
    assert loaded.registry.names() == [
        "fine",
        "fine#review",
        "gm",
        "gm#review",
        "st",
        "st#review",
        "wx",
        "wx#review",
    ]
    assert str(loaded.providers["fine"]) == "an unknown package"


BROKEN = [
    ("missing", "tests.no_such_module:Kind", "cannot import", "ModuleNotFoundError"),
    ("exits", "tests.plugin_exits:Kind", "cannot import", "SystemExit: 3"),
    ("attr", "tests.plugin_kinds:Nothing", "cannot import", "AttributeError"),
    ("plain", "tests.plugin_kinds:NotAKind", "is not a Kind subclass", ""),
    ("func", "tests.plugin_kinds:not_a_class", "is not a Kind subclass", ""),
    ("raising", "tests.plugin_kinds:Raising", "building", "no configuration file"),
    ("abstract", "tests.plugin_kinds:Abstract", "building", "TypeError"),
    ("noname", "tests.plugin_kinds:NoName", "reading", "AttributeError"),
    ("misnamed", "tests.plugin_kinds:Misnamed", "named 'other'", "says 'misnamed'"),
    ("gm#review", "tests.plugin_kinds:BadName", "is not 1-32 letters", ""),
    ("twolines", "tests.plugin_kinds:TwoLines", "not one line", ""),
    ("textdep", "tests.plugin_kinds:TextDependency", "exclusive dependencies", ""),
    ("gm", "tests.plugin_kinds:Gauges", "already provided by", OURS),
]


@pytest.mark.parametrize(("name", "value", "what", "detail"), BROKEN)
def test_a_broken_plugin_is_one_line_and_skipped(
    name: str, value: str, what: str, detail: str
) -> None:
    """Each way a plugin can be broken: one line naming it, the rest loads."""
    loaded = load_kinds(with_builtins(point(name, value)))
    assert len(loaded.problems) == 1, loaded.problems
    problem = loaded.problems[0]
    assert problem.startswith(f"kind plugin {name!r} of an unknown package skipped: ")
    assert what in problem
    assert detail in problem
    assert "\n" not in problem
    assert [entry.name for entry in loaded.registry.base_kinds()] == BUILTIN
    assert str(loaded.providers["gm"]) == OURS


def test_the_first_of_two_plugins_with_one_name_wins() -> None:
    loaded = load_kinds(
        [point("fine", "tests.plugin_kinds:Fine"), point("fine", "tests.no:Such")]
    )
    assert loaded.registry.names() == ["fine", "fine#review"]
    assert len(loaded.problems) == 1
    assert "cannot import 'tests.no:Such'" in loaded.problems[0]


def unreadable_package(root: Path, name: str, entry_points: str) -> None:
    """A package whose entry_points.txt importlib cannot parse; pip would
    not write one, so it is written by hand."""
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", "utf-8"
    )
    (info / "entry_points.txt").write_text(entry_points, "utf-8")


def test_an_unreadable_entry_points_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package with a malformed entry_points.txt is reported if it names our
    group and ignored if not; every other package still loads."""
    unreadable_package(tmp_path, "bad_kinds", f"[{GROUP}]\nbroken\n")
    unreadable_package(tmp_path, "bad_other", "[console_scripts]\nbroken\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    loaded = load_kinds()
    assert [entry.name for entry in loaded.registry.base_kinds()] == BUILTIN
    (problem,) = loaded.problems
    assert problem.startswith(
        "kind plugins of bad_kinds skipped: its entry_points.txt cannot be read ("
    )


def test_no_kinds_at_all_is_reported() -> None:
    loaded = load_kinds([])
    assert loaded.registry.names() == []
    assert loaded.problems == (
        "no import kinds are declared (entry point group 'gemma_tui.kinds'); "
        "reinstall gemma-tui to restore its own",
    )


# --- packages installed with pip --------------------------------------------

HELLO_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "gemma-tui-hello-kinds"
version = "1.2.0"

[project.entry-points."gemma_tui.kinds"]
hello = "hello_kinds:Hello"

[tool.hatch.build.targets.wheel]
packages = ["hello_kinds"]
"""

HELLO_MODULE = '''\
"""A third-party kind: greets whom its job data names."""

from gemma_tui.errors import BadJobData
from gemma_tui.queue.kinds import Job, Kind


class Greeting(Job):
    def __init__(self, whom):
        self.whom = whom

    def do(self, conn, import_id, feedback):
        feedback.info(f"hello, {self.whom}")
        return {"greeted": self.whom}


class Hello(Kind):
    name = "hello"
    description = "Greetings from a plugin"
    exclusive = ("greetings",)

    def create(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("whom"), str):
            raise BadJobData('job data must be like {"whom": "world"}')
        return Greeting(data["whom"])

    def stage_done(self, conn, import_id, feedback):
        feedback.info("hello, reviewer")
'''

BROKEN_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "gemma-tui-broken-kinds"
version = "0.1.0"

[project.entry-points."gemma_tui.kinds"]
broken = "broken_kinds.broken:Broken"
gm = "broken_kinds:Gauges"

[tool.hatch.build.targets.wheel]
packages = ["broken_kinds"]
"""

BROKEN_INIT = '''\
from gemma_tui.kinds.gauges import GaugeMeasurements


class Gauges(GaugeMeasurements):
    """Tries to take over the built-in name."""
'''

BROKEN_MODULE = "import a_module_that_is_not_installed\n"


def write_package(root: Path, pyproject: str, files: dict[str, str]) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(pyproject, "utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory where pip installed a working and a broken plugin package."""
    root = tmp_path_factory.mktemp("plugins")
    hello = write_package(
        root / "hello", HELLO_PYPROJECT, {"hello_kinds/__init__.py": HELLO_MODULE}
    )
    broken = write_package(
        root / "broken",
        BROKEN_PYPROJECT,
        {
            "broken_kinds/__init__.py": BROKEN_INIT,
            "broken_kinds/broken.py": BROKEN_MODULE,
        },
    )
    target = root / "site"
    installed = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--no-index", "--target", str(target)),
            *(str(hello), str(broken)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    return target


def gemma(plugins: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli.gemma(*args, env={"PYTHONPATH": str(plugins)})


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "kind plugin" in line]


EXPECTED_PROBLEMS = [
    "gemma-tui: kind plugin 'broken' of gemma-tui-broken-kinds 0.1.0 skipped: "
    "cannot import 'broken_kinds.broken:Broken': ModuleNotFoundError: "
    "No module named 'a_module_that_is_not_installed'",
    "gemma-tui: kind plugin 'gm' of gemma-tui-broken-kinds 0.1.0 skipped: "
    f"kind 'gm' is already provided by {OURS}",
]


def test_kinds_lists_an_installed_plugin_with_its_package(plugins: Path) -> None:
    """`gemma-tui kinds` shows the plugin's kind and package among ours, and
    one line on stderr for each broken plugin."""
    listed = gemma(plugins, "kinds")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split() == [
        "kind",
        "review",
        "exclusive",
        "shared",
        "package",
        "description",
    ]
    rows = {line.split()[0]: line for line in lines}
    assert list(rows) == ["gm", "hello", "st", "wx"]
    assert rows["hello"].split() == [
        *("hello", "yes", "greetings", "-", "gemma-tui-hello-kinds", "1.2.0"),
        *("Greetings", "from", "a", "plugin"),
    ]
    assert OURS in rows["gm"]
    assert listed.stderr.splitlines() == EXPECTED_PROBLEMS


def test_a_plugin_kind_runs_and_is_reviewed(
    plugins: Path, dsn: str, conn: Connection
) -> None:
    """An import of the plugin's kind is queued, run by a headless runner,
    and accepted; a broken plugin's kind stays unknown."""
    queued = gemma(
        plugins, "--dsn", dsn, "enqueue", "hello", "--data", '{"whom": "operator"}'
    )
    assert queued.returncode == 0, queued.stderr
    import_id = int(queued.stdout)
    refused = gemma(plugins, "--dsn", dsn, "enqueue", "broken", "--data", "{}")
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1] == (
        "gemma-tui: unknown kind 'broken'; known: gm, hello, st, wx"
    )

    runner = subprocess.Popen(
        [sys.executable, "-m", "gemma_tui", "--dsn", dsn, "runner"],
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(plugins)},
    )
    try:
        assert wait_until(lambda: settled(conn, import_id)) == {import_id: "pending"}
        decided = gemma(
            plugins, "--dsn", dsn, "decide", str(import_id), "accept", "--wait"
        )
        assert decided.returncode == 0, decided.stderr
        assert decided.stdout.splitlines()[-1] == f"#{import_id} accepted"
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=15) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    assert runner.stderr is not None
    log = runner.stderr.read()
    assert problem_lines(log) == EXPECTED_PROBLEMS
    assert f" pending import={import_id} kind=hello" in log
    assert "Traceback" not in log
    messages = gemma(plugins, "--dsn", dsn, "logs", str(import_id)).stdout
    assert "hello, operator" in messages
    assert "hello, reviewer" in messages
