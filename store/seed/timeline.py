"""The seed's clock and random streams: every value derives from (seed, purpose), never from now.

Each purpose has its own stream, so adding a draw to one part of the data set never shifts the
values of another, and the world plan drawn for one administration is the one drawn for both.
"""

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

# The instant the synthetic world is "now": active releases run past it, expired ones end before.
REFERENCE_TIME = datetime(2026, 6, 1, tzinfo=UTC)
# The oldest case is opened on or after this instant.
FIRST_CASE_TIME = datetime(2019, 1, 1, tzinfo=UTC)
# Active releases expire in this window ("after 2030").
ACTIVE_EXPIRY_FROM = datetime(2030, 7, 1, tzinfo=UTC)
ACTIVE_EXPIRY_TO = datetime(2033, 6, 30, tzinfo=UTC)

DAY = timedelta(days=1)


def stream(seed: int, *purpose: object) -> random.Random:
    """A random stream of its own for one purpose (str seeds hash with SHA-512: stable)."""
    # Synthetic data, not secrets: a seeded, reproducible generator is the point.
    return random.Random(":".join([str(seed), *(str(part) for part in purpose)]))  # noqa: S311


def moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second instant in [start, end); `start` when the span is empty."""
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(span)) if span > 0 else start


def days(count: float) -> timedelta:
    return timedelta(days=count)


def date_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def active_expiry(rng: random.Random) -> datetime:
    return moment_between(rng, ACTIVE_EXPIRY_FROM, ACTIVE_EXPIRY_TO)


T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice with its cumulative weights computed once.

    `pick` draws exactly what `rng.choices(values, weights)[0]` would, only faster.
    """

    __slots__ = ("cumulative", "values")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        values, weights = zip(*pairs, strict=True)
        self.values: list[T] = list(values)
        self.cumulative = list(accumulate(weights))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]
