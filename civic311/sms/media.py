"""A photo sent by MMS: fetched from the provider's MediaUrl (with its credentials, only from its own
host), only image/* and at most CIVIC311_MAX_UPLOAD_BYTES, then checked like any upload (photos.py)."""

import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from civic311.servicerequests import photos

FETCH_TIMEOUT = 10  # seconds: the provider waits 15 for our answer


class MediaRefused(ValueError):
    pass


def _provider_host(url: str) -> bool:
    """Credentials go only to the provider's own API host (Twilio's media URLs live there)."""
    host = urllib.parse.urlsplit(url).netloc.lower()
    return host in {urllib.parse.urlsplit(settings.TWILIO_API_BASE).netloc.lower(), "api.twilio.com"}


def fetch_photo(url: str, declared_type: str) -> SimpleUploadedFile:
    """The photo at `url`, checked; raises MediaRefused with a reason a resident can read."""
    if not declared_type.lower().startswith("image/"):
        raise MediaRefused(f"it is {declared_type or 'not a photo'}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise MediaRefused("its address is not a web address")
    req = urllib.request.Request(url, headers={"User-Agent": "civic311"})  # noqa: S310 (http(s) checked)
    if _provider_host(url) and settings.TWILIO_ACCOUNT_SID:
        token = b64encode(f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
        # Unredirected: a redirect to the file's store (S3) does not take our credentials along.
        req.add_unredirected_header("Authorization", f"Basic {token}")
    limit = settings.CIVIC311_MAX_UPLOAD_BYTES
    try:
        with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            content_type = response.headers.get_content_type()
            if not content_type.startswith("image/"):
                raise MediaRefused(f"it is {content_type}")
            content = response.read(limit + 1)
    except MediaRefused:
        raise
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise MediaRefused(f"it could not be fetched ({exc.__class__.__name__})") from None
    if len(content) > limit:
        raise MediaRefused(f"it is larger than {limit // 1_000_000} MB")
    upload = SimpleUploadedFile("mms-photo", content, content_type=content_type)
    try:
        photos.check_upload(upload)
    except photos.PhotoRejected as exc:
        raise MediaRefused(str(exc)) from None
    return upload
