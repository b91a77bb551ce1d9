"""Against the real server (`civic311 serve`, two worker processes): webhooks signed for its public
address over real HTTP, and the provider delivering the same message several times at once."""

import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import running_nodes
from tests.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, message_text, sign

PUBLIC = "https://311.springfield.example"


def post(url: str, fields: dict, signature: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(fields).encode(), headers={"X-Twilio-Signature": signature}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The public address differs from where the test reaches it, as behind a proxy: signatures are made
    # for the public one.
    env = {
        "PUBLIC_BASE_URL": PUBLIC,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "SMS_FROM": TWILIO_NUMBER,
    }
    tmp_path = tmp_path_factory.mktemp("sms-live")
    with running_nodes(tmp_path, 1, env=env, workers=2) as nodes:
        yield nodes[0]


def webhook(server, path: str, fields: dict) -> tuple[int, bytes]:
    return post(server.url + path, fields, sign(PUBLIC + path, fields))


def test_a_signed_text_over_http_is_answered_and_a_forged_one_refused(server):
    fields = {"MessageSid": "SM" + "a" * 32, "From": "+13125550100", "To": TWILIO_NUMBER, "Body": "HELP"}
    status, body = webhook(server, "/sms/twilio/inbound", fields)
    assert status == 200 and "311 by text" in message_text(body)
    forged = {**fields, "MessageSid": "SM" + "b" * 32}
    assert (
        post(server.url + "/sms/twilio/inbound", forged, sign(server.url + "/sms/twilio/inbound", forged))[0]
        == 403
    )


def test_the_same_message_delivered_five_times_at_once_is_handled_once(server):
    fields = {"MessageSid": "SM" + "c" * 32, "From": "+13125550177", "To": TWILIO_NUMBER, "Body": "NEW"}
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: webhook(server, "/sms/twilio/inbound", fields), range(5)))
    statuses = {status for status, _ in answers}
    assert statuses == {200}
    replies = {message_text(body) for _, body in answers}
    # One answer, from the one delivery that ran (a repeat arriving while it ran may get an empty reply,
    # never a second one).
    assert replies - {""} == {"What is the problem? Describe it in a few words (for example: pothole)."}


def test_a_call_over_http_gathers_digits(server):
    fields = {"CallSid": "CA" + "d" * 32, "From": "+13125550100", "To": TWILIO_NUMBER}
    status, body = webhook(server, "/voice/twilio/inbound", fields)
    assert status == 200 and b"<Gather" in body and b'input="dtmf"' in body
