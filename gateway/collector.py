"""The garbage collector of a serving process.

An answer allocates tens of thousands of short-lived objects (rows, records, the answer's
dictionaries), almost none of them in cycles: reference counting frees them as soon as the
answer is sent. CPython's collector still starts a pass over the young generation every 700
allocations of container objects, every tenth of those passes also walks the older
generation, and now and then a full pass walks everything the process holds (its schemas,
plans, pools and caches). On the dashboard's page of 100 cases that was about a tenth of the
answer's CPU (bench/RESULTS.md, the floor item).

A serving process collects its young generation every 20,000 allocations instead. Cycles are
still collected, a few answers later; what they hold meanwhile is bounded by those 20,000
objects. The older generations keep CPython's ratios.
"""

import gc

YOUNG_GENERATION_THRESHOLD = 20_000


def tune_for_serving() -> None:
    """Set the young generation's threshold (idempotent; the process's, not one app's)."""
    _young, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
