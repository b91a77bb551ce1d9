"""lib/versioned.py: per-process copies rebuilt when the shared version token changes."""

from django.core.cache import cache

from civic311.lib import versioned


def counting_memo():
    built = []

    def build(key):
        built.append(key)
        return f"{key}-{len(built)}"

    return versioned.Memo(build), built


def test_a_value_is_built_once_per_key_and_version():
    memo, built = counting_memo()
    assert memo.get("a") == "a-1"
    assert memo.get("a") == "a-1"
    assert memo.get("b") == "b-2"
    assert built == ["a", "b"]


def test_a_change_anywhere_rebuilds_at_the_next_use(db):
    memo, _ = counting_memo()
    memo.get("a")
    versioned.changed()
    assert memo.get("a") == "a-2"


def test_a_lost_token_is_drawn_anew_and_nothing_old_is_served():
    memo, _ = counting_memo()
    memo.get("a")
    cache.clear()  # a restarted Redis, an evicted key
    assert memo.get("a") == "a-2"
    assert memo.get("a") == "a-2"


def test_a_change_draws_again_when_its_transaction_commits(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        versioned.changed()
        during = versioned.token()
    assert len(callbacks) == 1
    assert versioned.token() != during  # a copy rebuilt from the uncommitted state is thrown away


def test_saving_a_reference_row_draws_a_new_version(city):
    before = versioned.token()
    city.pothole.save()
    assert versioned.token() != before
