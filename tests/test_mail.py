"""Mail to the submitter, through a real SMTP server on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from gemma_tui import config
from gemma_tui.config import ConfigError
from gemma_tui.db import Connection
from gemma_tui.queue import mail
from gemma_tui.queue.mail import SmtpSettings
from tests.cli import gemma
from tests.engine import FAST, log_of, running, settled, submit, wait_until


class Inbox:
    """An aiosmtpd handler that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 OK"


LATER = timedelta(hours=1)  # a retry that stays queued while the test looks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSettings, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpSettings(host="127.0.0.1", port=controller.port), inbox
    finally:
        controller.stop()


def run_with(dsn: str, conn: Connection, smtp: SmtpSettings | None, *ids: int) -> Any:
    """Runs until the imports settle; stopping waits for their mail too."""
    with running(dsn, settings=replace(FAST, smtp=smtp)):
        return wait_until(lambda: settled(conn, *ids))


def arrived(inbox: Inbox, count: int = 1) -> list[tuple[list[str], Message]]:
    # The runner hands the mail over before it reports; a moment is enough.
    deadline = time.monotonic() + 5
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return inbox.messages


def test_the_submitter_is_told_how_the_import_ended(
    dsn: str, conn: Connection, smtp: tuple[SmtpSettings, Inbox]
) -> None:
    settings, inbox = smtp
    mail.set_address(conn, "alice", "alice@example.org")
    import_id = submit(conn, {"action": "ok"}, send_email=True)
    assert run_with(dsn, conn, settings, import_id) == {import_id: "pending"}
    [(to, message)] = arrived(inbox)
    assert to == ["alice@example.org"]
    assert message["Subject"] == f"gemma-tui: import #{import_id} (toy) is pending"
    body = message.get_payload()
    assert isinstance(body, str)
    assert f"Import #{import_id}, Toy import (toy), submitted as alice" in body
    assert "It waits for a reviewer" in body
    assert f"gemma-tui logs {import_id}" in body
    assert log_of(conn, import_id)[-1] == (
        "info",
        "mailed the outcome to alice@example.org",
    )


def test_a_failure_with_a_retry_says_which_import_retries(
    dsn: str, conn: Connection, smtp: tuple[SmtpSettings, Inbox]
) -> None:
    settings, inbox = smtp
    mail.set_address(conn, "alice", "alice@example.org")
    failed = submit(
        conn, {"action": "fail"}, send_email=True, tries=2, retry_wait=LATER
    )
    run_with(dsn, conn, settings, failed)
    [(_, message)] = arrived(inbox)
    assert "is failed" in str(message["Subject"])
    assert f"tried again as import #{failed + 1}" in str(message.get_payload())


def test_only_imports_that_ask_are_mailed(
    dsn: str, conn: Connection, smtp: tuple[SmtpSettings, Inbox]
) -> None:
    settings, inbox = smtp
    mail.set_address(conn, "alice", "alice@example.org")
    quiet = submit(conn, {"action": "ok"})
    asking = submit(conn, {"action": "ok"}, send_email=True)
    run_with(dsn, conn, settings, quiet, asking)
    assert len(arrived(inbox)) == 1
    assert all("mail" not in message for _, message in log_of(conn, quiet))


def test_without_an_address_the_log_says_so_and_the_outcome_stands(
    dsn: str, conn: Connection, smtp: tuple[SmtpSettings, Inbox]
) -> None:
    settings, inbox = smtp
    import_id = submit(conn, {"action": "ok"}, send_email=True)
    assert run_with(dsn, conn, settings, import_id) == {import_id: "pending"}
    level, line = log_of(conn, import_id)[-1]
    assert (level, line.split(" (")[0]) == (
        "info",
        "no mail sent: no address for role 'alice'",
    )
    assert inbox.messages == []


def test_a_server_that_is_down_costs_one_log_line_and_nothing_else(
    dsn: str, conn: Connection
) -> None:
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    mail.set_address(conn, "alice", "alice@example.org")
    import_id = submit(conn, {"action": "ok"}, send_email=True)
    assert run_with(dsn, conn, down, import_id) == {import_id: "pending"}
    level, line = log_of(conn, import_id)[-1]
    assert level == "info"
    assert line.startswith(f"no mail sent: cannot send mail through {down.host}:")


def test_settings_come_from_the_environment_and_hide_the_password() -> None:
    environ = {
        "GEMMA_TUI_SMTP_HOST": "127.0.0.1",
        "GEMMA_TUI_SMTP_PORT": "2525",
        "GEMMA_TUI_SMTP_PASSWORD": "hunter2",
        "GEMMA_TUI_SMTP_STARTTLS": "yes",
    }
    settings = config.load(None, {}, environ).smtp.settings()
    assert settings is not None
    assert (settings.host, settings.port, settings.starttls) == (
        "127.0.0.1",
        2525,
        True,
    )
    assert "hunter2" not in repr(settings)
    assert config.load(None, {}, {}).smtp.settings() is None
    with pytest.raises(ConfigError, match="GEMMA_TUI_SMTP_PORT: must be a whole"):
        config.load(None, {}, {**environ, "GEMMA_TUI_SMTP_PORT": "x"})


def test_the_operator_keeps_addresses_from_the_command_line(
    dsn: str, conn: Connection
) -> None:
    assert gemma("email", "set", "alice", "a@example.org", dsn=dsn).returncode == 0
    assert gemma("email", "set", "alice", "b@example.org", dsn=dsn).returncode == 0
    listed = gemma("email", "list", dsn=dsn)
    assert listed.stdout.split() == ["alice", "b@example.org"]
    assert gemma("email", "unset", "alice", dsn=dsn).returncode == 0
    assert gemma("email", "list", dsn=dsn).stdout == ""


def test_an_address_for_a_role_that_does_not_exist_is_refused(
    dsn: str, conn: Connection
) -> None:
    refused = gemma("email", "set", "nobody_here", "n@example.org", dsn=dsn)
    assert refused.returncode == 2
    assert refused.stderr == "gemma-tui: no such role: 'nobody_here'\n"
    assert gemma("email", "list", dsn=dsn).stdout == ""
