"""A clock that only the test moves, for anything that takes one (a circuit breaker's
cooldown, an expiry): what happens after a wait is checked without waiting, at any speed."""


class TestClock:
    """Seconds, like time.monotonic; still until advanced."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
