"""How the dashboard writes its figures: times to close in hours or days, shares as percentages, in the
reader's language."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

HOURS_SHOWN_AS_HOURS = 48  # below two days, hours read better than "1.4 days"


@register.filter
def duration(hours: float | None) -> str:
    """12.5 -> '12.5 hours'; 100 -> '4.2 days'; None -> '—' (nothing closed to measure)."""
    if hours is None:
        return "—"
    if hours < HOURS_SHOWN_AS_HOURS:
        value = round(hours, 1)
        return ngettext("%(n)s hour", "%(n)s hours", _count(value)) % {"n": number_format(value, 1)}
    days = round(hours / 24, 1)
    return ngettext("%(n)s day", "%(n)s days", _count(days)) % {"n": number_format(days, 1)}


def _count(value: float) -> int:
    """The plural form's number: languages choose forms by whole numbers; 1.5 days reads as several."""
    return int(value) if value == int(value) else 5


@register.filter
def percent(share: float | None) -> str:
    """0.8234 -> '82.3 %'; None -> '—'."""
    if share is None:
        return "—"
    return _("%(n)s %%") % {"n": number_format(round(100 * share, 1), 1)}


@register.filter
def of(part: int, whole: int) -> float | None:
    """part / whole, for percent; None when whole is 0."""
    return part / whole if whole else None


@register.filter
def compared(value: float | None, city: float | None) -> str:
    """A district's figure beside the city's: 'higher', 'lower' or 'same' (for words and styles)."""
    if value is None or city is None:
        return ""
    if abs(value - city) <= 0.05 * abs(city):
        return "same"
    return "higher" if value > city else "lower"
