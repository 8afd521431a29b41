"""A real SMTP server (aiosmtpd) for tests that send mail: Django's SMTP backend talks to it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email import message_from_string
from email.header import decode_header, make_header
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


class SmtpInbox:
    """What the server received, in order; appended from aiosmtpd's thread.

    A test can make it answer as real servers do: `refuse` an address at RCPT TO (550, a
    mailbox that is gone), or `fail_data` for a message to an address (451 after DATA, a
    temporary failure of the whole message).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[list[str], str]] = []
        self.refuse: set[str] = set()
        self.fail_data: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        if self.fail_data & {address.lower() for address in envelope.rcpt_tos}:
            return "451 4.3.0 Temporary failure, try again later"
        with self._lock:
            self.received.append(
                (sorted(envelope.rcpt_tos), envelope.content.decode("utf8", "replace"))
            )
        return "250 OK"

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.received]

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        return [(rcpts, message_from_string(text)) for rcpts, text in self.received]

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for _, m in self.messages]


@pytest.fixture
def smtp_inbox(settings) -> Iterator[SmtpInbox]:
    """Start an SMTP server on a free port and point Django's email settings at it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = SmtpInbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
