"""The door is held by CI (tests/door.py): no module outside civic311/servicerequests/ writes a request, an
event, a follower, a comment or a photo row."""

from pathlib import Path

import pytest

import civic311
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.models import Event
from tests.door import DoorGuard, writes_outside_the_domain
from tests.factories import file_request


def test_no_module_outside_the_domain_writes_its_rows_in_its_source():
    assert writes_outside_the_domain() == []


def test_the_source_check_finds_a_queryset_write(tmp_path, monkeypatch):
    import tests.door as door

    (tmp_path / "channel.py").write_text(
        "from civic311.servicerequests.models import ServiceRequest\n"
        "def close(pk):\n    ServiceRequest.objects.filter(pk=pk).update(status='closed')\n"
        "def forget(sr):\n    sr.followers.all().delete()\n"
    )
    monkeypatch.setattr(door, "PACKAGE", tmp_path)
    monkeypatch.setattr(door, "DOMAIN", tmp_path / "servicerequests")
    assert [line.split(" ", 1)[1] for line in door.writes_outside_the_domain()] == [
        "ServiceRequest.objects.filter.update()",
        "sr.followers.all.delete()",
    ]


@pytest.mark.breaks_the_door  # on purpose: the suite-wide guard (tests/conftest.py) leaves this test alone
def test_the_run_time_check_allows_the_domain_and_refuses_any_other_module(city):
    sr = file_request(city.pothole)
    with DoorGuard() as guard:
        actions.add_note(sr, "through the door", actions.Actor(channel=Channel.STAFF), public=True)
        assert guard.broken == []
        # Code compiled as if it were a module of a channel, writing an event by hand:
        sneaky = str(Path(civic311.__file__).parent / "console" / "sneaky.py")
        exec(  # noqa: S102
            compile("Event.objects.create(request=sr, kind='note')", sneaky, "exec"),
            {"Event": Event, "sr": sr},
        )
    assert len(guard.broken) == 1
    assert guard.broken[0].startswith("civic311/console/sneaky.py:1 writes a Event")
