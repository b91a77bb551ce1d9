"""Who in a team gets a new request: the member with the least open work, or members in turn."""

from collections.abc import Mapping, Sequence

from civic311.routing.choices import AssignmentStrategy


def choose(
    strategy: str, members: Sequence[int], open_counts: Mapping[int, int], last: int | None
) -> int | None:
    """A member's id (pure: the caller reads members and their open work from the database).

    Members are given in a stable order (by id); ties in open work go to the first of them.
    """
    if not members or strategy == AssignmentStrategy.NONE:
        return None
    if strategy == AssignmentStrategy.LEAST_OPEN:
        return min(members, key=lambda m: (open_counts.get(m, 0), members.index(m)))
    if strategy == AssignmentStrategy.ROUND_ROBIN:
        if last in members:
            return members[(members.index(last) + 1) % len(members)]
        return members[0]
    raise ValueError(f"unknown assignment strategy {strategy!r}")
