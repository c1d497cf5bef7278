"""Mailing a submitter how their import ended.

An import enqueued with `send_email` gets one message when its run ends.
The address comes from `import.mail_addresses`, a mapping of roles to
addresses that the operator keeps (`gemma-tui email`); the SMTP server
from the configuration (gemma_tui.config). Whatever happens here is
written to the import's log, as info lines (they say nothing about the
data, so they must not add to the warnings a reviewer weighs), and never
changes its outcome.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import psycopg

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.errors import GemmaError, readable
from gemma_tui.queue.kinds import Feedback
from gemma_tui.text import one_line

_Q = load("mail")

DEFAULT_SENDER = "gemma-tui@localhost"

# What each outcome means to the person who submitted the import.
_MEANING = {
    "pending": "It waits for a reviewer to accept or decline it.",
    "accepted": "Its data is published; it needed no review.",
    "unchanged": "It found nothing new and changed nothing.",
    "failed": "It failed; its log says why.",
}


class MailError(GemmaError):
    """A message that could not be sent, or settings that cannot work."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = DEFAULT_SENDER
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def __repr__(self) -> str:
        # Settings end up in logs and tracebacks; the password must not.
        hidden = "***" if self.password else None
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, "
            f"sender={self.sender!r}, user={self.user!r}, password={hidden!r}, "
            f"starttls={self.starttls})"
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """How one import ended, as the mail tells it."""

    import_id: int
    kind: str
    description: str
    username: str
    outcome: str
    retry_id: int | None = None


def compose(notice: Notice, sender: str, address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = one_line(
        f"gemma-tui: import #{notice.import_id} ({notice.kind}) is {notice.outcome}"
    )
    message.set_content(_body(notice))
    return message


def _body(notice: Notice) -> str:
    lines = [
        f"Import #{notice.import_id}, {one_line(notice.description)}"
        f" ({one_line(notice.kind)}), submitted as {one_line(notice.username)},"
        f" ended {notice.outcome}.",
        _MEANING.get(notice.outcome, ""),
    ]
    if notice.retry_id is not None:
        lines.append(f"It will be tried again as import #{notice.retry_id}.")
    lines += [
        "",
        "Where to look:",
        f"  gemma-tui show {notice.import_id}",
        f"  gemma-tui logs {notice.import_id}",
        "or the console, where pending imports are accepted or declined.",
    ]
    return "\n".join(lines) + "\n"


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hands the message to the SMTP server, or raises MailError."""
    try:
        with smtplib.SMTP(
            settings.host, settings.port, timeout=settings.timeout
        ) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        where = f"{settings.host}:{settings.port}"
        reason = one_line(str(error) or type(error).__name__)
        raise MailError(f"cannot send mail through {where}: {reason}") from error


def address_of(conn: Connection, username: str) -> str | None:
    try:
        row = conn.execute(_Q["address_of"], {"username": username}).fetchone()
    except psycopg.Error as error:
        raise readable(error) from error
    return None if row is None else str(row[0])


def tell_submitter(
    conn: Connection,
    settings: SmtpSettings | None,
    notice: Notice,
    feedback: Feedback,
) -> bool:
    """Mails the notice to the submitter; logs what happened. True if sent."""
    if settings is None:
        feedback.info("no mail sent: no SMTP server is configured")
        return False
    try:
        address = address_of(conn, notice.username)
        if address is None:
            feedback.info(
                f"no mail sent: no address for role {notice.username!r}"
                " (gemma-tui email set ROLE ADDRESS)"
            )
            return False
        send(settings, compose(notice, settings.sender, address))
    except GemmaError as error:
        feedback.info(f"no mail sent: {error}")
        return False
    feedback.info(f"mailed the outcome to {address}")
    return True


def set_address(conn: Connection, username: str, address: str) -> None:
    try:
        params = {"username": username, "address": address}
        row = conn.execute(_Q["set_address"], params).fetchone()
    except psycopg.errors.CheckViolation as error:
        raise MailError(f"not a mail address: {address!r}") from error
    except psycopg.Error as error:
        raise readable(error) from error
    if row is None:
        raise MailError(f"no such role: {username!r}")


def unset_address(conn: Connection, username: str) -> bool:
    try:
        cursor = conn.execute(_Q["unset_address"], {"username": username})
    except psycopg.Error as error:
        raise readable(error) from error
    return cursor.rowcount > 0


def addresses(conn: Connection) -> list[tuple[str, str]]:
    try:
        rows = conn.execute(_Q["addresses"]).fetchall()
    except psycopg.Error as error:
        raise readable(error) from error
    return [(str(user), str(address)) for user, address in rows]
