"""Who hears of what, channel-neutral: the kind of follower message an event makes, and the language to
write it in. Every channel (email, text) and the alerts read these."""

from django.conf import settings

from civic311.servicerequests.choices import CLOSED_STATUSES, EventKind, FollowerReason
from civic311.servicerequests.models import Event, Follower


def language_of(code: str, *fallbacks: str) -> str:
    """The first of the codes we have templates for ("es-MX" counts as "es"), else the site's."""
    available = {code for code, _name in settings.LANGUAGES}
    for candidate in (code, *fallbacks):
        short = (candidate or "").split("-")[0].split("_")[0].lower()
        if short in available:
            return short
    return settings.LANGUAGE_CODE


def follower_language(follower: Follower) -> str:
    """A follower's language; for the reporter, the one given with the report if the follower row has none."""
    fallback = follower.request.reporter_language if follower.reason == FollowerReason.REPORTER else ""
    return language_of(follower.language, fallback)


def kind_of(event: Event) -> str | None:
    """The kind of follower email an event makes, or None for an event followers do not hear of."""
    if not event.public:
        return None
    if event.kind == EventKind.CREATED:
        return "confirmation"
    if event.kind == EventKind.NOTE:
        return "note"
    if event.kind == EventKind.STATUS_CHANGED:
        before, after = (event.data or {}).get("from"), (event.data or {}).get("to", event.status_code)
        if after in CLOSED_STATUSES and before not in CLOSED_STATUSES:
            return "closed"
        return "status"
    if event.kind == EventKind.MARKED_DUPLICATE:
        return "status"
    return None
