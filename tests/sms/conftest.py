"""Webhooks as Twilio sends them: form fields signed with X-Twilio-Signature (HMAC-SHA1 of the public URL
followed by the sorted fields, keyed with the auth token), written here independently of the app's check."""

import base64
import hashlib
import hmac
import itertools
from dataclasses import dataclass, field

import pytest

from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, fake_twilio_fixture  # noqa: F401 (the fake_twilio fixture)

ALICE = "+13125550100"
TWILIO_NUMBER = "+13125550199"
_sids = itertools.count(1)


def sign(url: str, fields: dict[str, str | list[str]], token: str = AUTH_TOKEN) -> str:
    payload = url
    for name in sorted(fields):
        values = fields[name] if isinstance(fields[name], list) else [fields[name]]
        for value in sorted(values):
            payload += name + value
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture(autouse=True)
def _twilio_account(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_FROM = TWILIO_NUMBER
    settings.CALL_CENTRE_NUMBER = "+13125550311"


@dataclass
class Phone:
    """A resident's phone texting the city's number through Twilio."""

    client: object
    number: str = ALICE
    replies: list[str] = field(default_factory=list)

    def post(self, path: str, fields: dict, *, signature: str | None = None, **extra):
        url = "http://testserver" + path
        headers = {"HTTP_X_TWILIO_SIGNATURE": sign(url, fields) if signature is None else signature}
        return self.client.post(path, fields, **headers, **extra)

    def text(self, body: str = "", *, media: list[tuple[str, str]] = (), sid: str | None = None, **more):
        fields = {
            "MessageSid": sid or f"SM{next(_sids):032d}",
            "AccountSid": ACCOUNT_SID,
            "From": self.number,
            "To": TWILIO_NUMBER,
            "Body": body,
            "NumMedia": str(len(media)),
        }
        for n, (url, kind) in enumerate(media):
            fields[f"MediaUrl{n}"] = url
            fields[f"MediaContentType{n}"] = kind
        fields.update(more)
        response = self.post("/sms/twilio/inbound", fields)
        return response

    def says(self, body: str = "", **kwargs) -> str:
        """Text, and the reply's words ('' when none)."""
        response = self.text(body, **kwargs)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/xml")
        return message_text(response.content)

    def call(self, path: str = "/voice/twilio/inbound", **fields):
        base = {"CallSid": f"CA{next(_sids):032d}", "AccountSid": ACCOUNT_SID, "From": self.number,
                "To": TWILIO_NUMBER, "CallStatus": "in-progress"}  # fmt: skip
        return self.post(path, {**base, **fields})


def message_text(xml: bytes) -> str:
    from defusedxml import ElementTree

    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


@pytest.fixture
def alice(client, city):
    return Phone(client)
