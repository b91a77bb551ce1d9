"""A real SMTP server on loopback for the mail tests (aiosmtpd): Django's SMTP backend talks to it over a
socket, and the test reads the messages that arrived, parsed.

    from tests.smtp import smtp_server  # noqa: F401  (the fixture)

    def test_it_mails_a_link(client, smtp_server):
        ...
        message = smtp_server.wait_for_message()
        assert message["To"] == "alice@example.org"
"""

import email
import email.policy
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port


class Inbox:
    """The aiosmtpd handler: keeps every message delivered, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for_message(self, count: int = 1, timeout: float = 10.0) -> EmailMessage:
        """The `count`-th message (1: the first), waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{count} message(s) expected, {len(self.messages)} arrived")
                self._arrived.wait(left)
            return self.messages[count - 1]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on a free loopback port for the test, and Django's SMTP backend pointed at it
    (pytest-django's locmem backend replaced for this test)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "311@springfield.example"
    try:
        yield inbox
    finally:
        controller.stop()
