"""A serving process collects its young generation less often (gateway.collector)."""

import gc
from collections.abc import Iterator

import pytest

from gateway.collector import YOUNG_GENERATION_THRESHOLD, tune_for_serving


@pytest.fixture
def default_thresholds() -> Iterator[None]:
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*kept)


@pytest.mark.usefixtures("default_thresholds")
def test_the_young_generation_is_collected_every_20000_allocations() -> None:
    tune_for_serving()
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, 10, 10)
    tune_for_serving()
    assert gc.get_threshold() == (20_000, 10, 10)
    assert gc.isenabled()
