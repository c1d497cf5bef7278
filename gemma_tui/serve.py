"""`gemma-tui serve`: the console in a browser, listening on loopback only.

textual-serve starts one console per browser tab, as a subprocess. Those
consoles host no runner and are read-only unless decisions are allowed.
They find the database through `GEMMA_TUI_DSN` in their environment, so
that no password shows on a command line that `ps` lists.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import socket
import sys
import tempfile
from importlib import resources
from pathlib import Path

from aiohttp import web
from textual_serve.server import Server

from gemma_tui.config import Config
from gemma_tui.errors import GemmaError

TITLE = "gemma-tui"

# textual-serve's page asks a web font of another host, although its own
# static files hold that font: an operator's browser, often on a closed
# network, is sent to no host but this one.
_REMOTE_FONT = re.compile(r"<link[^>]*?href=\"https?://fonts\.[^\"]*\"[^>]*>", re.S)
_LOCAL_FONT = """<style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf");
      }
    </style>"""


def serve(args: argparse.Namespace, config: Config) -> int:
    """Serves consoles on `args.host` until SIGINT or SIGTERM."""
    from gemma_tui.db.server import resolve
    from gemma_tui.hosts import prepare_console

    allow = bool(args.allow_decisions)
    reviewer: str | None = args.reviewer
    if reviewer is not None and not allow:
        raise GemmaError("serve --as decides nothing without --allow-decisions")
    url = public_url(args.host, args.port)
    _check_free(args.host, args.port, url)
    where = config.database
    target = resolve(where.dsn, where.data_dir, config.origin("database.dsn"))
    prepare_console(target.dsn, reviewer)
    if target.dsn:
        # An empty one means the PG* variables, which the consoles inherit.
        os.environ["GEMMA_TUI_DSN"] = target.dsn
    command = console_command(allow_decisions=allow, reviewer=reviewer)
    mode = "decisions allowed" if allow else "read-only"
    _run(command, args.host, args.port, url, f"{target.describe()}, {mode}")
    return 0


def console_command(*, allow_decisions: bool, reviewer: str | None) -> str:
    """The shell command each browser tab runs: a console without a runner."""
    words = [sys.executable, "-m", "gemma_tui", "console", "--no-runner"]
    if not allow_decisions:
        words.append("--read-only")
    if reviewer is not None:
        words += ["--as", reviewer]
    # exec: the console itself is the tab's process, and gets its signals.
    return f"exec {shlex.join(words)}"


def public_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _check_free(host: str, port: int, url: str) -> None:
    """Says so in one line if the port is taken, before textual-serve starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the web server will: a port left in TIME_WAIT is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise GemmaError(f"cannot listen on {url}: {error.strerror}") from None


class ConsoleServer(Server):
    """textual-serve's server, which also ends the tabs' consoles when it
    stops, instead of waiting for the browsers to close them."""

    def __init__(
        self, command: str, host: str, port: int, url: str, what: str, pages: Path
    ) -> None:
        super().__init__(
            command,
            host=host,
            port=port,
            title=TITLE,
            public_url=url,
            templates_path=pages,
        )
        self.what = what
        self.tabs: set[asyncio.Task[object]] = set()

    async def on_startup(self, app: web.Application) -> None:
        where = f"the console on {self.public_url} ({self.what})"
        print(f"gemma-tui: {where}; ctrl+c stops", flush=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        assert task is not None
        self.tabs.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self.tabs.discard(task)

    async def on_shutdown(self, app: web.Application) -> None:
        # A cancelled tab tells its console to quit, then closes the socket.
        for task in self.tabs:
            task.cancel()


def _run(command: str, host: str, port: int, url: str, what: str) -> None:
    with tempfile.TemporaryDirectory(prefix="gemma-tui-serve-") as pages:
        server = ConsoleServer(command, host, port, url, what, local_page(Path(pages)))
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            server.serve()
        except OSError as error:
            raise GemmaError(f"cannot listen on {url}: {error.strerror}") from None


def local_page(directory: Path) -> Path:
    """A templates directory holding textual-serve's page, its font served
    from here rather than from another host."""
    name = "app_index.html"
    page = resources.files("textual_serve").joinpath("templates", name)
    text = _REMOTE_FONT.sub(lambda _: _LOCAL_FONT, page.read_text("utf-8"))
    (directory / name).write_text(text, "utf-8")
    return directory
