"""Which jurisdiction a call is about, from the jurisdiction_id a client sent (or none): the rule every
channel that takes a jurisdiction_id shares (the GeoReport API, the live stream). Each channel turns the
refusals into its own answer (the API's error document, a plain 400/404)."""

from django.http import Http404

from civic311.catalog import cache
from civic311.catalog.models import Jurisdiction


class JurisdictionNotFound(LookupError):
    """No jurisdiction with that id is served here (or none is set up yet): a 404."""


class JurisdictionRequired(ValueError):
    """Several jurisdictions are served and none is the default, so the client must name one: a 400."""


def resolve(code: str) -> Jurisdiction:
    """The jurisdiction named by `code`, or the default one when `code` is blank."""
    code = code.strip()
    known = cache.jurisdictions()
    if code:
        found = next((j for j in known if j.jurisdiction_id == code), None)
        if found is None:
            raise JurisdictionNotFound(f"jurisdiction_id: '{code[:100]}' is not served here")
        return found
    if not known:
        raise JurisdictionNotFound("jurisdiction_id: no jurisdiction is set up on this server yet")
    if len(known) > 1 and not known[0].is_default:
        raise JurisdictionRequired("jurisdiction_id: this server serves several jurisdictions; name one")
    return known[0]


def default_or_404() -> Jurisdiction:
    """The city a page serves (the default jurisdiction: one per deployment, as a rule); a page answers 404
    until one is set up."""
    jurisdiction = Jurisdiction.objects.default()
    if jurisdiction is None:
        raise Http404("No city is set up yet")
    return jurisdiction


def cached(pk: int) -> Jurisdiction | None:
    """The jurisdiction with this id from the per-process catalog cache (no query: the path of every
    event), or None when the cache does not hold it yet."""
    return next((j for j in cache.jurisdictions() if j.pk == pk), None)
