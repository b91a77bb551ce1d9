"""The door, held by CI: only the domain package (civic311/servicerequests/) writes a request, an event, a
follower, a comment or a photo row. Every other module asks its functions (servicerequests.actions).

Two checks hold it, because Django gives no single hook for every write:
- at run time (DoorGuard, on for every test by tests/conftest.py): pre_save and pre_delete of these models
  look at who called; the nearest frame of our own code must be the domain's (or a test's, which builds its
  data by hand);
- in the source (writes_outside_the_domain, tests/servicerequests/test_door.py): queryset writes that send
  no signal (update, bulk_create, bulk_update, delete on a queryset) and creates, on these models or their
  related managers, found with `ast` in every module outside the domain.
"""

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models.signals import pre_delete, pre_save

import civic311

PACKAGE = Path(civic311.__file__).resolve().parent
DOMAIN = PACKAGE / "servicerequests"
TESTS = Path(__file__).resolve().parent
MODELS = ("ServiceRequest", "Event", "Follower", "Comment", "Media")
# Related managers that reach these rows from another object: request.events, request.followers …
RELATED = ("events", "followers", "comments", "media", "duplicates", "requests")
WRITES = ("create", "get_or_create", "update_or_create", "update", "delete", "bulk_create", "bulk_update")


def _ours(filename: str) -> Path | None:
    path = Path(filename).resolve()
    return path if path.is_relative_to(PACKAGE) or path.is_relative_to(TESTS) else None


@dataclass
class DoorGuard:
    """Collects the writes of the domain's rows made from outside it, with the module that made them."""

    broken: list[str] = field(default_factory=list)

    def _check(self, sender, instance, **kwargs) -> None:
        frame = sys._getframe(1)
        while frame is not None:
            path = _ours(frame.f_code.co_filename)
            if path is not None and path != Path(__file__).resolve():
                if not (path.is_relative_to(DOMAIN) or path.is_relative_to(TESTS)):
                    where = path.relative_to(PACKAGE.parent)
                    self.broken.append(f"{where}:{frame.f_lineno} writes a {sender.__name__}")
                return
            frame = frame.f_back

    def __enter__(self) -> "DoorGuard":
        from civic311.servicerequests import models

        self._models = [getattr(models, name) for name in MODELS]
        for model in self._models:
            pre_save.connect(self._check, sender=model, weak=False)
            pre_delete.connect(self._check, sender=model, weak=False)
        return self

    def __exit__(self, *exc) -> None:
        for model in self._models:
            pre_save.disconnect(self._check, sender=model)
            pre_delete.disconnect(self._check, sender=model)


def _receiver_names(node: ast.expr) -> list[str]:
    """The names along a call's receiver, last first: ServiceRequest.objects.filter(…) -> [filter, objects,
    ServiceRequest]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def writes_outside_the_domain() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(DOMAIN) or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in WRITES:
                continue
            receiver = _receiver_names(node.func.value)
            related = any(name in RELATED for name in receiver[:-1])  # sr.followers.all(), not a variable
            if related or any(name in MODELS for name in receiver):
                where = path.relative_to(PACKAGE.parent)
                found.append(f"{where}:{node.lineno} {'.'.join(reversed(receiver))}.{node.func.attr}()")
    return found
