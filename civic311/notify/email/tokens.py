"""Signed tokens in the links of our emails: unsubscribe, survey, alert confirmation.

Each is Django's signing (HMAC of SECRET_KEY) with its own salt, so a token made for one purpose never
opens another page, and with an age limit. No login needed: the token is the proof.
"""

from dataclasses import dataclass

from django.core import signing

UNSUBSCRIBE_SALT = "civic311.notify.unsubscribe"
SURVEY_SALT = "civic311.notify.survey"
CONFIRM_SALT = "civic311.notify.alert-confirm"

# Long enough for an old email to still work; short enough that a leaked link does not last for ever.
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600
SURVEY_MAX_AGE = 90 * 24 * 3600
CONFIRM_MAX_AGE = 7 * 24 * 3600
TOKEN_MAX_LENGTH = 300  # longer is not one of ours: refused before any signature work


class BadToken(Exception):
    """Forged, damaged or expired."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Subscription:
    """What an unsubscribe token names: a follower ("f") or an area alert ("a")."""

    kind: str
    pk: int


def _dumps(data: object, salt: str) -> str:
    return signing.dumps(data, salt=salt, compress=False)


def _loads(token: str, salt: str, max_age: int) -> object:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise BadToken()
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken(expired=True) from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise BadToken() from exc


def unsubscribe_token(kind: str, pk: int) -> str:
    return _dumps([kind, pk], UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> Subscription:
    data = _loads(token, UNSUBSCRIBE_SALT, UNSUBSCRIBE_MAX_AGE)
    if not (isinstance(data, list) and len(data) == 2 and data[0] in ("f", "a") and isinstance(data[1], int)):
        raise BadToken()
    return Subscription(data[0], data[1])


def survey_token(follower_pk: int) -> str:
    return _dumps(follower_pk, SURVEY_SALT)


def read_survey_token(token: str) -> int:
    data = _loads(token, SURVEY_SALT, SURVEY_MAX_AGE)
    if not isinstance(data, int) or isinstance(data, bool):
        raise BadToken()
    return data


def confirm_token(alert_pk: int) -> str:
    return _dumps(alert_pk, CONFIRM_SALT)


def read_confirm_token(token: str) -> int:
    data = _loads(token, CONFIRM_SALT, CONFIRM_MAX_AGE)
    if not isinstance(data, int) or isinstance(data, bool):
        raise BadToken()
    return data
