"""What keeps the resident pages' open doors usable: spam checks for comments, rate limits per client,
one-time sign-in links for "my requests", and the city's centre for the map of requests around a place.

Rate limits and used sign-in links live in Django's cache: per process with the default local-memory
cache, shared by every node once CACHES points at Redis or the database.
"""

import re
import secrets

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from civic311.accounts.throttle import Limit
from civic311.catalog.models import Jurisdiction
from civic311.servicerequests.models import Comment, ServiceRequest

# --- spam checks ------------------------------------------------------------------------------------

# Words that hold a comment for a moderator (lower case, whole words). Short on purpose: the
# moderator decides; these only keep the obvious out of sight until then.
BANNED_WORDS = frozenset(
    {"viagra", "cialis", "casino", "crypto", "bitcoin", "porn", "xxx", "loan", "loans", "escort", "forex"}
)
LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|net|org|ru|biz|info|xyz|top|io)\b)", re.IGNORECASE)
REPEATED = re.compile(r"(.)\1{7,}", re.DOTALL)  # eight of one character: "!!!!!!!!", "aaaaaaaa"
WORD = re.compile(r"[^\W\d_]+")
# Shouting: this many letters at least, nearly all of them capitals.
CAPS_MIN_LETTERS = 12
CAPS_SHARE = 0.8
# The same text again on the same request within this many most recent comments is a duplicate.
DUPLICATE_WINDOW = 50


def spam_reasons(request: ServiceRequest, text: str) -> list[str]:
    """Why a comment should wait for a moderator (empty: show it at once)."""
    reasons = []
    if LINK.search(text):
        reasons.append("links")
    if REPEATED.search(text):
        reasons.append("repeated characters")
    words = {word.lower() for word in WORD.findall(text)}
    if words & BANNED_WORDS:
        reasons.append("banned words")
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= CAPS_MIN_LETTERS and sum(c.isupper() for c in letters) >= CAPS_SHARE * len(letters):
        reasons.append("all caps")
    recent = Comment.objects.filter(request=request).order_by("-pk").values_list("text", flat=True)
    normalized = " ".join(text.lower().split())
    if any(" ".join(t.lower().split()) == normalized for t in recent[:DUPLICATE_WINDOW]):
        reasons.append("duplicate text")
    return reasons


# --- clients and rate limits ------------------------------------------------------------------------


COMMENT_LIMIT = Limit(5, 600)
FOLLOW_LIMIT = Limit(10, 600)
SIGN_IN_LIMIT = Limit(5, 600)  # links asked for, per client
SIGN_IN_EMAIL_LIMIT = Limit(3, 3600)  # links mailed, per address: nobody's inbox is flooded
# Reports filed from the report form, per client: a walk reporting several graffiti fits, a flood does not.
REPORT_LIMIT = Limit(8, 600)


# --- one-time sign-in links -------------------------------------------------------------------------

SIGN_IN_SALT = "civic311.portal.sign-in"
SIGN_IN_MAX_AGE = 30 * 60  # seconds a link works


class BadToken(Exception):
    """The link is forged, expired or already used; the message says which, for the resident."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SIGN_IN_SALT)


def make_sign_in_token(email: str) -> str:
    """A signed, timestamped random id; the address it signs in waits in the shared cache under that id,
    so the link (and every log that records it) holds no address."""
    nonce = secrets.token_urlsafe(18)
    cache.set(f"portal:signin:{nonce}", email.lower(), timeout=SIGN_IN_MAX_AGE + 60)
    return _signer().sign(nonce)


def check_sign_in_token(token: str) -> dict:
    """{"n": id, "e": email} of a token that is genuine and not expired (spent or not); raises BadToken."""
    try:
        nonce = _signer().unsign(token, max_age=SIGN_IN_MAX_AGE)
    except signing.SignatureExpired:
        raise BadToken(_("This sign-in link has expired. Ask for a new one below.")) from None
    except signing.BadSignature:
        raise BadToken(_("This sign-in link is not valid. Ask for a new one below.")) from None
    email = cache.get(f"portal:signin:{nonce}")
    if not isinstance(email, str):
        raise BadToken(_("This sign-in link has expired. Ask for a new one below."))
    return {"n": nonce, "e": email}


def use_sign_in_token(token: str) -> str:
    """The email of a valid token, which is then spent; raises BadToken."""
    payload = check_sign_in_token(token)
    # Spent for as long as it could have worked: a second use finds the mark.
    if not cache.add(f"portal:signin-used:{payload['n']}", 1, timeout=SIGN_IN_MAX_AGE + 60):
        raise BadToken(_("This sign-in link was already used. Ask for a new one below."))
    return payload["e"]


# --- the map ----------------------------------------------------------------------------------------


def city_centre(jurisdiction: Jurisdiction) -> tuple[float, float] | None:
    """The middle of the city's districts (their bounding box), else of its located requests; None when
    neither exists. Cached: districts rarely change."""
    key = f"portal:centre:{jurisdiction.pk}"
    found = cache.get(key)
    if found is not None:
        return tuple(found) or None  # type: ignore[return-value]
    from shapely.geometry import shape

    bounds = None
    for geometry in jurisdiction.districts.with_polygon().values_list("geometry", flat=True):
        try:
            b = shape(geometry).bounds
        except (TypeError, ValueError, KeyError, AttributeError):  # a broken polygon must not break the map
            continue
        bounds = (
            b
            if bounds is None
            else (min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]), max(bounds[3], b[3]))
        )
    centre: tuple[float, float] | None = None
    if bounds is not None:
        centre = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
    else:
        from django.db.models import Avg

        located = ServiceRequest.objects.filter(
            jurisdiction=jurisdiction, lat__isnull=False, long__isnull=False
        )
        averages = located.aggregate(lat=Avg("lat"), long=Avg("long"))
        if averages["lat"] is not None:
            centre = (averages["lat"], averages["long"])
    cache.set(key, list(centre) if centre else [], timeout=3600)
    return centre
