"""The Merkle tree over the audit log's entry hashes (RFC 9162 §2.1), which a signed checkpoint
commits to, and the kept copies of its leaves that let `verify` name the first changed entry.

Why a tree next to the chain. The chain makes a rewrite evident, but a signed (size, head hash)
says only *that* the first `size` entries changed, not *which*: whoever rewrites entry k
recomputes every later hash, and the head is all a checkpoint holds. A tree root commits to
every entry hash at once, so a kept list of the entry hashes can be authenticated against the
signed root (no one can make a different list fold to it), and the first position where the
log now differs from that list is the first entry rewritten. Two lists are kept: the owner's
own (table `audit_tree_leaves`, rows of its own log) and the partner's witness copy (the same
table in the partner's store, rows of the owner's log), which the owner cannot change.

The leaf data is an entry's hash (32 bytes), hashed as RFC 9162 leaves (0x00 prefix, nodes
0x01): the tree is the standard one, so inclusion and consistency proofs can be given to a
third party later without changing a stored value.
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models._base import table_of
from store.models.audit import AuditTreeLeaf
from store.models.domain import Administration

_LEAF, _NODE = b"\x00", b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()
_leaves = table_of(AuditTreeLeaf)
# Rows per INSERT when a checkpoint keeps many hashes at once (its first, over a long log).
KEEP_BATCH = 5000


def leaf_hash(entry_hash: str) -> bytes:
    return hashlib.sha256(_LEAF + bytes.fromhex(entry_hash)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


@dataclass
class Frontier:
    """The roots of the perfect subtrees that cover the first `size` leaves, largest first:
    at most one per bit of `size`, enough to append leaves and give the root of any size."""

    size: int = 0
    peaks: list[bytes] = field(default_factory=list)

    def append(self, entry_hash: str) -> None:
        digest, size = leaf_hash(entry_hash), self.size
        # Each trailing 1 bit of the size is a perfect subtree of the new leaf's size: merge.
        while size & 1:
            digest = node_hash(self.peaks.pop(), digest)
            size >>= 1
        self.peaks.append(digest)
        self.size += 1

    def extend(self, entry_hashes: Iterable[str]) -> None:
        for entry_hash in entry_hashes:
            self.append(entry_hash)

    def root(self) -> str:
        if not self.peaks:
            return EMPTY_ROOT
        digest = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            digest = node_hash(peak, digest)
        return digest.hex()

    def as_json(self) -> list[str]:
        return [peak.hex() for peak in self.peaks]

    @classmethod
    def from_json(cls, size: int, peaks: Sequence[str]) -> "Frontier":
        """A kept frontier; ValueError when it cannot be one of `size` leaves."""
        if len(peaks) != bin(size).count("1"):
            raise ValueError("the kept tree frontier does not fit its size")
        return cls(size, [bytes.fromhex(peak) for peak in peaks])


def tree_root(entry_hashes: Iterable[str]) -> str:
    frontier = Frontier()
    frontier.extend(entry_hashes)
    return frontier.root()


def first_difference(kept: Sequence[str], found: Sequence[str]) -> int | None:
    """The 1-based position of the first entry hash that differs, or the first one missing."""
    for position, (was, now) in enumerate(zip(kept, found, strict=False), start=1):
        if was != now:
            return position
    if len(found) < len(kept):
        return len(found) + 1
    return None


# -- the kept leaves ------------------------------------------------------------------------------


async def keep_leaves(
    session: AsyncSession, log: Administration, first_seq: int, entry_hashes: Sequence[str]
) -> int | None:
    """Keep entry hashes `first_seq`, `first_seq + 1`, … of `log` (in the caller's transaction).

    Hashes kept already (an earlier checkpoint covered them, and its record was lost since)
    must be the same: the seq of the first that is not is returned, and nothing is kept."""
    if not entry_hashes:
        return None
    last_seq = first_seq + len(entry_hashes) - 1
    kept = dict(await kept_leaves(session, log, first_seq - 1, last_seq))
    for seq, value in enumerate(entry_hashes, start=first_seq):
        if kept.get(seq, value) != value:
            return seq
    missing = [
        {"log_administration": log.value, "seq": seq, "entry_hash": value}
        for seq, value in enumerate(entry_hashes, start=first_seq)
        if seq not in kept
    ]
    for start in range(0, len(missing), KEEP_BATCH):
        await session.exec(insert(_leaves), params=missing[start : start + KEEP_BATCH])
    return None


async def kept_leaves(
    session: AsyncSession, log: Administration, after: int, up_to: int
) -> list[tuple[int, str]]:
    """The kept (seq, entry hash) of `log` for after < seq ≤ up_to, in order."""
    rows = (
        await session.exec(
            select(AuditTreeLeaf.seq, AuditTreeLeaf.entry_hash)
            .where(
                col(AuditTreeLeaf.log_administration) == log.value,
                col(AuditTreeLeaf.seq) > after,
                col(AuditTreeLeaf.seq) <= up_to,
            )
            .order_by(col(AuditTreeLeaf.seq))
        )
    ).all()
    return [(seq, entry_hash) for seq, entry_hash in rows]
