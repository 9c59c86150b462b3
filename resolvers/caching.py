"""A least-recently-used cache bounded by the bytes its entries hold, not by their number.

Every per-document cache (parsed documents, validation results, an operation's entity parts)
is one of these: counted in entries, 256 large documents held hundreds of megabytes, while
256 dashboard operations hold a few. Each entry is charged what `size_of` says it holds; the
least recently used entries go until the charges fit `max_bytes`, and an entry charged more
than the whole bound is not kept at all.
"""

import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from graphql import DocumentNode, Location, Token

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# What graphql-core keeps per token of a parsed document with locations (node, location and
# the token itself, linked to its neighbours): at most ~560 bytes measured under tracemalloc
# (tests/unit/test_caching.py checks this charge against what a document really holds).
BYTES_PER_TOKEN = 640
# The document, its source and the first allocations of an empty chain.
BYTES_PER_DOCUMENT = 4096


def document_bytes(document: DocumentNode) -> int:
    """What a parsed document holds."""
    return held_bytes(document.loc)


def held_bytes(location: Location | None) -> int:
    """What a node's location keeps alive: the source text and every token of its document,
    with its value (tokens are linked to their neighbours, so one node holds them all)."""
    if location is None:
        return BYTES_PER_DOCUMENT
    first = location.start_token
    while first.prev is not None:
        first = first.prev
    held = BYTES_PER_DOCUMENT + sys.getsizeof(location.source.body)
    token: Token | None = first
    while token is not None:
        # A token's value is a copy of its text: a comment padded to the size limit is held
        # twice, in the source and in its token.
        held += BYTES_PER_TOKEN + (sys.getsizeof(token.value) if token.value else 0)
        token = token.next
    return held


class BytesBoundedCache(Generic[K, V]):
    def __init__(self, max_bytes: int, size_of: Callable[[K, V], int]) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        """The charges of the entries held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for `key`, else `make()`'s (kept if it fits; an exception is not)."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found[0]
        value = make()
        self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        size = self._size_of(key, value)
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        if size > self.max_bytes:
            return
        self._entries[key] = (value, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
