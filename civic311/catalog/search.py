"""Finding a service by the words a person types: the one service search every channel uses (the resident's
report page, the call-centre intake, a text message).

A service fits a query when every word (or one of our synonyms of it) fits one of its fields; the fits are
scored by where the word was found (its code, the start of its name, a keyword … its description), and the
services are ranked by the phrase in the name first, then by the sum of the scores, then by name. Names,
descriptions and groups are read as stored and in the active language.
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from civic311.catalog.models import Service

# Words residents use that the catalog may not: each maps to words our services do use.
SYNONYMS: dict[str, list[str]] = {
    "dark": ["light", "lamp"],
    "lamp": ["light"],
    "streetlight": ["street light"],
    "trash": ["garbage"],
    "rubbish": ["garbage"],
    "bin": ["garbage", "cart"],
    "recycling": ["garbage"],
    "hole": ["pothole"],
    "road": ["street", "pothole"],
    "paint": ["graffiti"],
    "tag": ["graffiti"],
    "spray": ["graffiti"],
}
MAX_WORDS = 8
# Before any field's score: the whole typed phrase in the service's name.
PHRASE_IN_NAME = -100


def words_of(text: str) -> list[str]:
    return [word for word in re.split(r"[^\w]+", text.lower()) if word]


class _Fields:
    """A service's texts, lower case, read once per search."""

    def __init__(self, service: "Service") -> None:
        self.code = service.service_code.lower()
        self.names = [n.lower() for n in {service.service_name, service.translated("service_name")} if n]
        self.keywords = [k.strip().lower() for k in service.keywords.split(",") if k.strip()]
        self.groups = [g.lower() for g in {service.group, service.translated("group")} if g]
        self.descriptions = [d.lower() for d in {service.description, service.translated("description")} if d]

    def score(self, word: str) -> int | None:
        """How well one word fits: lower is better, None is no fit."""
        if word == self.code:
            return 0
        if any(name.startswith(word) for name in self.names):
            return 1
        if any(part.startswith(word) for name in self.names for part in words_of(name)):
            return 2
        if any(part.startswith(word) for keyword in self.keywords for part in words_of(keyword)):
            return 3
        if any(word in name for name in self.names):
            return 4
        if any(word in keyword for keyword in self.keywords):
            return 5
        if any(word in group for group in self.groups):
            return 6
        if any(word in description for description in self.descriptions):
            return 7
        if word in self.code:
            return 8
        return None

    def best(self, word: str) -> int | None:
        scores = [s for s in (self.score(alt) for alt in [word, *SYNONYMS.get(word, [])]) if s is not None]
        return min(scores) if scores else None


def rank[S: "Service"](services: Iterable[S], query: str) -> list[S]:
    """The services the query fits, best first; an empty query gives them all, in the order given."""
    words = words_of(query)[:MAX_WORDS]
    if not words:
        return list(services)
    phrase = " ".join(words)
    scored: list[tuple[int, str, S]] = []
    for service in services:
        fields = _Fields(service)
        scores = [fields.best(word) for word in words]
        if any(score is None for score in scores):
            continue
        total = sum(score for score in scores if score is not None)
        if len(words) > 1 and any(phrase in name for name in fields.names):
            total += PHRASE_IN_NAME
        scored.append((total, service.service_name.lower(), service))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [service for _, _, service in scored]
