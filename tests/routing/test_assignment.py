from hypothesis import given
from hypothesis import strategies as st

from civic311.routing.assignment import choose


def test_least_open_work_wins_and_ties_go_to_the_first_member():
    assert choose("least_open", [1, 2, 3], {1: 4, 2: 1, 3: 1}, None) == 2
    assert choose("least_open", [1, 2, 3], {}, None) == 1


def test_round_robin_goes_to_the_member_after_the_last():
    assert choose("round_robin", [1, 2, 3], {}, None) == 1
    assert choose("round_robin", [1, 2, 3], {}, 1) == 2
    assert choose("round_robin", [1, 2, 3], {}, 3) == 1
    assert choose("round_robin", [1, 2, 3], {}, 99) == 1  # the last one left the team


def test_nobody_is_chosen_without_members_or_strategy():
    assert choose("round_robin", [], {}, None) is None
    assert choose("none", [1, 2], {}, None) is None


@given(st.lists(st.integers(1, 50), min_size=1, max_size=8, unique=True), st.integers(1, 40))
def test_round_robin_is_fair(members, turns):
    last, counts = None, dict.fromkeys(members, 0)
    for _ in range(turns * len(members)):
        last = choose("round_robin", members, {}, last)
        counts[last] += 1
    assert set(counts.values()) == {turns}
