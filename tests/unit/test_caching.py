"""Per-document caches are bounded in bytes: what they charge covers what a document really
holds (measured by tracemalloc, an allocation count, not a clock), and no run of large distinct
operations takes them past their bound."""

import gc
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from resolvers import limits as operation_limits
from resolvers.caching import BytesBoundedCache, document_bytes
from resolvers.exchange.schema import build_exchange_schema
from resolvers.limits import PARSED_BYTES, parse_bounded
from resolvers.validation import VALIDATED_BYTES, validated
from store.agreement import Agreement, load_agreement

OPERATIONS = Path(__file__).parents[2] / "operations"


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return load_agreement()


def dense(limit: int, salt: int = 0) -> str:
    """As many one-letter fields as the token limit allows: the most nodes per byte."""
    return f"{{ viewer {{ f{salt}" + " a" * (limit - 10) + " } }"


def padded(limit: int, salt: int = 0) -> str:
    """A small operation padded with a comment to exactly `limit` bytes."""
    head = f"{{ viewer {{ subject }} }} # {salt} "
    return head + "x" * (limit - len(head))


def retained(make: Callable[[], Any]) -> tuple[Any, int]:
    """What `make()`'s result holds, in bytes allocated and still alive after it returns."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        value = make()
        gc.collect()
        return value, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def shapes(agreement: Agreement) -> dict[str, str]:
    tokens = agreement.limits.max_tokens
    return {
        "dense": dense(tokens),
        "padded": padded(agreement.limits.max_operation_bytes),
        "strings": "{ viewer { " + ' a(x: "abcdefghij")' * (tokens // 6) + " } }",
        "variables": "query(" + " ".join(f"$v{i}: Int" for i in range(tokens // 5)) + ") { a }",
        "comments": "{ viewer { subject } }\n" + "# c\n" * (tokens - 10),
        "dashboard": (OPERATIONS / "CaseDetail.graphql").read_text(),
    }


def test_a_documents_charge_covers_what_it_holds(agreement: Agreement) -> None:
    """The text is made inside the measure: the document keeps it (its source) as well."""
    for name, text in shapes(agreement).items():
        document, held = retained(lambda text=text: parse("".join(text), no_location=False))
        assert held <= document_bytes(document), name


def test_the_cache_drops_the_least_recently_used_entries_past_its_bytes() -> None:
    cache: BytesBoundedCache[str, str] = BytesBoundedCache(10, lambda _key, value: len(value))
    for key in "abc":
        cache.put(key, "xxx")
    assert cache.get_or_make("a", lambda: "never") == "xxx"  # a is now the most recent
    cache.put("d", "yyy")
    assert [key in cache for key in "abcd"] == [True, False, True, True]
    assert cache.bytes == 9
    cache.put("e", "z" * 11)  # more than the whole bound: not kept, nothing else dropped
    assert "e" not in cache and len(cache) == 3 and cache.bytes == 9
    cache.put("a", "zzzzzzz")  # replaced, and the oldest others make room
    assert cache.bytes <= 10 and cache.get_or_make("a", lambda: "never") == "zzzzzzz"


def test_a_failed_make_keeps_nothing() -> None:
    cache: BytesBoundedCache[str, str] = BytesBoundedCache(10, lambda _key, value: len(value))

    def failing() -> str:
        raise ValueError

    with pytest.raises(ValueError):
        cache.get_or_make("a", failing)
    assert len(cache) == 0 and cache.bytes == 0


def test_maximal_distinct_operations_stay_within_the_parse_caches_bytes(
    agreement: Agreement,
) -> None:
    """Before: 256 entries, so 120 maximal documents held hundreds of megabytes."""
    parsed = operation_limits.parsed_documents
    parsed.clear()
    limits = agreement.limits
    count = 2 * PARSED_BYTES // document_bytes(parse(dense(limits.max_tokens)))
    for salt in range(count):
        parse_bounded(dense(limits.max_tokens, salt), limits)
        parse_bounded(padded(limits.max_operation_bytes, salt), limits)
        assert parsed.bytes <= PARSED_BYTES
    assert (dense(limits.max_tokens, 0), limits.max_tokens) not in parsed  # the oldest went
    # Dashboards' operations fit in their hundreds beside them.
    dashboard = document_bytes(parse((OPERATIONS / "CaseDetail.graphql").read_text()))
    assert PARSED_BYTES // dashboard > 256


def test_maximal_invalid_operations_stay_within_the_validation_caches_bytes(
    agreement: Agreement,
) -> None:
    """An invalid operation's errors keep its whole document alive: charged as such."""
    schema = build_exchange_schema(
        extensions=(operation_limits.operation_limits(agreement.limits),)
    )
    validated.clear()
    values = ", ".join("1" for _ in range(agreement.limits.max_tokens - 30))
    first = f"query Q0($v: [Int] = [{values}]) {{ unknown0 }}"
    count = 2 * VALIDATED_BYTES // document_bytes(parse(first))
    for salt in range(count):
        result = schema.execute_sync(f"query Q{salt}($v: [Int] = [{values}]) {{ unknown{salt} }}")
        assert result.errors
        assert validated.bytes <= VALIDATED_BYTES
    assert 0 < len(validated) < count
    assert len(validated) > 1
