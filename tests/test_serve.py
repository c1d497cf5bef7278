"""`gemma-tui serve`: the console in a browser tab, through textual-serve.

The tests talk to the real server as a browser does: they fetch the page,
then open its websocket, whose binary frames are what the tab's console
writes to its terminal.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from gemma_tui.db import Connection
from tests.consoles import add_import
from tests.running import state_of, wait_until

# Escape sequences: a control sequence, an operating system command, or
# one of the two-character ones.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_command(dsn: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "gemma_tui", "--dsn", dsn, "serve", *options]


@contextlib.contextmanager
def serving(dsn: str, *options: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`gemma-tui serve` on a free loopback port; stopped with SIGTERM."""
    port = free_port()
    server = subprocess.Popen(
        serve_command(dsn, "--port", str(port), *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert f"on http://127.0.0.1:{port} " in first, first
        yield server, port
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        server.communicate(timeout=20)


class Tab:
    """What a browser tab sees of its console: the text written so far."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.written = ""
        self.since = 0  # where the answer to the last key press may start
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    async def until(self, text: str, timeout: float = 30.0) -> None:
        """Reads frames until `text` is written after the last key press."""
        async with asyncio.timeout(timeout):
            while text not in self.written[self.since :]:
                message = await self.socket.receive()
                if message.type != aiohttp.WSMsgType.BINARY:
                    raise AssertionError(f"the tab closed: {message.type!r}")
                self.written += _ESCAPES.sub("", self._decoder.decode(message.data))

    async def closed(self, timeout: float = 20.0) -> None:
        """Reads on until the server closes the tab, as a browser would."""
        async with asyncio.timeout(timeout):
            while not self.socket.closed:
                await self.socket.receive()

    async def press(self, key: str) -> None:
        self.since = len(self.written)
        await self.socket.send_json(["stdin", key])


async def fetch(url: str, timeout: float = 20.0) -> str:
    """The page, once the server (which says where it listens a moment
    before it does) takes connections."""
    async with aiohttp.ClientSession() as session, asyncio.timeout(timeout):
        while True:
            try:
                async with session.get(url) as page:
                    assert page.status == 200
                    return await page.text()
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def tab(port: int) -> AsyncIterator[Tab]:
    url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url) as websocket,
    ):
        yield Tab(websocket)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and _stat(entry)[1] == str(pid):
                found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    """Ended: no such process, or one that is only left to be reaped."""
    try:
        return _stat(Path(f"/proc/{pid}"))[0] == "Z"
    except OSError:
        return True


def _stat(process: Path) -> list[str]:
    """The fields of /proc/PID/stat from the state on; the command name
    before them, in parentheses, may hold spaces."""
    return (process / "stat").read_text().rsplit(")", 1)[1].split()


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def runner_count(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) FROM import.runners").fetchone()
    assert row is not None
    return int(row[0])


async def test_a_browser_tab_gets_a_read_only_console_without_a_runner(
    dsn: str, conn: Connection
) -> None:
    """The page is textual-serve's for gemma-tui; its websocket carries the
    console's first screen; the tab's console is read-only, hosts no runner
    and has the DSN from its environment, not its command line; closing the
    tab ends it."""
    add_import(conn, "pending", "gm")
    queued = add_import(conn, "queued", "gm")
    with serving(dsn) as (server, port):
        html = await fetch(f"http://127.0.0.1:{port}/")
        assert "<div>gemma-tui</div>" in html
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in html
        assert "js/textual.js" in html
        # Nothing on the page sends the browser to another host.
        here = f"http://127.0.0.1:{port}/"
        links = re.findall(r"(?:href=|src=|url\()\"([^\"]*)\"", html)
        assert [link for link in links if not link.startswith(here)] == []
        assert f"{here}static/fonts/RobotoMono-VariableFont_wght.ttf" in links

        async with tab(port) as browser:
            await browser.until("Review (1)")
            await browser.until("Queued (1)")
            assert "gemma-tui — read-only" in browser.written
            [console] = children(server.pid)
            words = command_line(console)
            assert words[1:5] == ["-m", "gemma_tui", "console", "--no-runner"]
            assert "--read-only" in words
            assert not any(dsn in word for word in words)
            assert environment(console)["GEMMA_TUI_DSN"] == dsn
        wait_until(lambda: gone(console), timeout=15)
        assert state_of(conn, queued) == "queued"
        assert runner_count(conn) == 0


async def test_decisions_are_allowed_only_when_serve_is_told(
    dsn: str, conn: Connection
) -> None:
    """`serve --allow-decisions`: `a` then `y` in the tab decides the import;
    the console still hosts no runner, so the review waits. SIGTERM to the
    server ends the consoles of open tabs too."""
    pending = add_import(conn, "pending", "gm")
    with serving(dsn, "--allow-decisions") as (server, port):
        await fetch(f"http://127.0.0.1:{port}/")
        async with tab(port) as browser:
            await browser.until("Review (1)")
            [console] = children(server.pid)
            assert "--read-only" not in command_line(console)
            assert "--no-runner" in command_line(console)
            await browser.press("a")
            await browser.until(f"Accept import #{pending}?")
            await browser.press("y")
            wait_until(lambda: state_of(conn, pending) == "reviewed")
            server.send_signal(signal.SIGTERM)
            await browser.closed()
        assert server.wait(timeout=20) == 0
        wait_until(lambda: gone(console), timeout=15)
    assert runner_count(conn) == 0
    row = conn.execute(
        "SELECT state::text FROM import.imports WHERE kind = 'gm#review'"
    ).fetchone()
    assert row == ("queued",)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "example.org"])
def test_serve_refuses_a_host_that_is_not_loopback(dsn: str, host: str) -> None:
    """Any host but a loopback address: one line, status 2, nothing served."""
    result = subprocess.run(
        serve_command(dsn, "--host", host),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert f"not a loopback address: {host!r}" in line


def test_serve_on_a_taken_port_says_so(dsn: str) -> None:
    """A port in use: one line naming it, status 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            serve_command(dsn, "--port", str(port)),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"gemma-tui: cannot listen on http://127.0.0.1:{port}: Address already in use\n"
    )


def test_serve_as_a_role_needs_decisions_allowed(dsn: str) -> None:
    """`--as` alone would decide nothing: said so, not ignored."""
    result = subprocess.run(
        serve_command(dsn, "--as", "rita"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "gemma-tui: serve --as decides nothing without --allow-decisions\n"
    )
