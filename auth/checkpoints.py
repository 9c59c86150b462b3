"""Checkpoints of an administration's own audit log, and countersignatures of its partner's.

`AuditSigner` acts for one administration over its own store, with its own signing key (keys
stay with their owner):

- `checkpoint()` extends the log's Merkle tree by the entries appended since the last
  checkpoint (checking them against the chain from the last signed hash: only the new
  entries are read), keeps their hashes, and signs (log, size, head hash, tree root, time);
- `countersign()` takes the partner's signed checkpoint, checks its signature with the
  partner's public key, and checks that it extends the log this administration witnessed
  before: the entry hashes added since fold, with the kept ones, to the signed root (an RFC
  9162 consistency check done with the leaves themselves). Only then it signs, keeping the
  hashes as its witness copy of the partner's log, which the partner cannot change;
- `accept_cosignature()` keeps the partner's countersignature of one of its own checkpoints,
  after checking it with the partner's public key.

How the two administrations exchange them, in process or over HTTP, is gateway/audit_exchange.py.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.audit_signing import (
    KeyLookup,
    check_signature,
    exchange_assertion,
    kid_of,
    sign,
    store_keys,
)
from auth.keys import AsymmetricKey, ensure_signing_key, public_jwk
from store.agreement import AuditCheckpoints
from store.audit import (
    GENESIS_HASH,
    check_extension,
    checkpoint_claims,
    cosignature_claims,
    lock_the_log,
    read_head,
)
from store.audit_tree import Frontier, keep_leaves, kept_leaves
from store.database import session_factory
from store.models._base import as_utc
from store.models.audit import AuditCheckpoint, AuditCosignature
from store.models.domain import Administration

Clock = Callable[[], datetime]
Signed = TypeVar("Signed", AuditCheckpoint, AuditCosignature)
# The entry hashes a log's owner kept for seq after+1 … up_to.
LeafSource = Callable[[int, int], Awaitable[list[str]]]


class CheckpointRefused(Exception):
    """Not signed: the log (or the partner's checkpoint) is not what was signed before."""


@dataclass(frozen=True)
class SignedCheckpoint:
    """A log owner's signed checkpoint, as it is exchanged."""

    log: Administration
    size: int
    head_hash: str
    tree_root: str | None
    signed_at: datetime
    signature: str

    def claims(self) -> dict[str, Any]:
        return checkpoint_claims(
            self.log, self.size, self.head_hash, self.signed_at, self.tree_root
        )

    @classmethod
    def of(cls, row: AuditCheckpoint | AuditCosignature) -> "SignedCheckpoint":
        signed_at = as_utc(row.signed_at)
        assert signed_at is not None
        signature = row.signature if isinstance(row, AuditCheckpoint) else row.checkpoint_signature
        return cls(
            Administration(row.log_administration),
            row.size,
            row.head_hash,
            row.tree_root,
            signed_at,
            signature,
        )

    def as_json(self) -> dict[str, Any]:
        return {"claims": self.claims(), "signature": self.signature}

    @classmethod
    def from_json(cls, document: Any) -> "SignedCheckpoint":
        """ValueError unless `document` is a checkpoint as `as_json` writes one."""
        try:
            claims, signature = document["claims"], document["signature"]
            checkpoint = cls(
                Administration(claims["log"]),
                int(claims["size"]),
                str(claims["head"]),
                str(claims["root"]),
                datetime.fromisoformat(claims["at"]),
                str(signature),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("not a signed checkpoint") from exc
        if checkpoint.claims() != claims:
            raise ValueError("not a signed checkpoint")
        return checkpoint


@dataclass(frozen=True)
class SignedCosignature:
    """A partner's countersignature of a checkpoint, as it is exchanged."""

    checkpoint: SignedCheckpoint
    cosigner: Administration
    signature: str

    def claims(self) -> dict[str, Any]:
        return cosignature_claims(
            self.checkpoint.claims(), self.checkpoint.signature, self.cosigner
        )

    @classmethod
    def of(cls, row: AuditCosignature) -> "SignedCosignature":
        return cls(
            SignedCheckpoint.of(row), Administration(row.cosigner_administration), row.signature
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "checkpoint": self.checkpoint.as_json(),
            "cosigner": self.cosigner.value,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, document: Any) -> "SignedCosignature":
        try:
            return cls(
                SignedCheckpoint.from_json(document["checkpoint"]),
                Administration(document["cosigner"]),
                str(document["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("not a signed cosignature") from exc


async def _verified(signature: str, claims: dict[str, Any], keys: KeyLookup, what: str) -> str:
    """Check a signature with its signer's published key; the kid it was made with."""
    kid = kid_of(signature)
    key = await keys(kid) if kid else None
    if key is None:
        raise CheckpointRefused(f"{what} is signed with a key its signer does not publish")
    try:
        check_signature(signature, claims, key)
    except ValueError as exc:
        raise CheckpointRefused(f"{what}: {exc}") from None
    return kid


def _frontier_of(size: int, peaks: list[str] | None, root: str | None, what: str) -> Frontier:
    try:
        frontier = Frontier.from_json(size, peaks or [])
    except ValueError:
        frontier = None
    if frontier is None or frontier.root() != root:
        raise CheckpointRefused(f"the tree kept with {what} does not fold to its signed root")
    return frontier


class AuditSigner:
    """One administration's checkpoints and countersignatures, over its own store."""

    def __init__(self, administration: Administration, engine: AsyncEngine, clock: Clock) -> None:
        self.administration = administration
        self.engine = engine
        self._sessions = session_factory(engine)
        self._clock = clock

    def session(self) -> AsyncSession:
        return self._sessions()

    # -- its own log ------------------------------------------------------------------------

    async def latest_checkpoint(self) -> AuditCheckpoint | None:
        """The newest checkpoint of its own log that signs a tree root."""
        async with self.session() as session:
            return await self._latest_checkpoint(session)

    async def _latest_checkpoint(self, session: AsyncSession) -> AuditCheckpoint | None:
        statement = (
            select(AuditCheckpoint)
            .where(
                col(AuditCheckpoint.log_administration) == self.administration.value,
                col(AuditCheckpoint.tree_root).is_not(None),
            )
            .order_by(col(AuditCheckpoint.size).desc(), col(AuditCheckpoint.id).desc())
            .limit(1)
        )
        return (await session.exec(statement)).first()

    async def due(self, cadence: AuditCheckpoints) -> bool:
        """Whether the cadence asks for a checkpoint now (two small reads, no entry)."""
        async with self.session() as session:
            size, _ = await read_head(session)
            last = await self._latest_checkpoint(session)
        if last is None:
            return size > 0
        grown = size - last.size
        if grown >= cadence.every_entries:
            return True
        signed_at = as_utc(last.signed_at)
        assert signed_at is not None
        elapsed = (self._clock() - signed_at).total_seconds()
        return grown > 0 and elapsed >= cadence.every_seconds

    async def checkpoint(self, *, again: bool = False) -> AuditCheckpoint | None:
        """Sign the log as it is now; None when it has not grown since the last checkpoint
        (unless `again`), or when another checkpointer signed it meanwhile. CheckpointRefused
        when the entries since then do not check out."""
        async with self.session() as session:
            key = await ensure_signing_key(session)
        # The entries are read and checked first, without holding anything: appends go on.
        async with self.session() as session:
            last = await self._latest_checkpoint(session)
            size, head_hash = await read_head(session)
            if last is None:
                frontier, after_hash = Frontier(), GENESIS_HASH
            else:
                what = f"checkpoint {last.id}"
                frontier = _frontier_of(last.size, last.tree_frontier, last.tree_root, what)
                after_hash = last.head_hash
                if size < last.size:
                    raise CheckpointRefused(
                        f"the head is at {size} but {what} covers {last.size} entries"
                    )
                if size == last.size and not again:
                    return None
            hashes, problem = await check_extension(session, frontier.size, after_hash, size)
        if problem is not None:
            raise CheckpointRefused(str(problem))
        if (hashes[-1] if hashes else after_hash) != head_hash:
            raise CheckpointRefused(f"the head row does not record entry {size}'s hash")
        first = frontier.size + 1
        frontier.extend(hashes)
        signed = SignedCheckpoint(
            self.administration, size, head_hash, frontier.root(), self._clock(), ""
        )
        row = AuditCheckpoint(
            log_administration=self.administration.value,
            size=size,
            head_hash=head_hash,
            signed_at=signed.signed_at,
            kid=key.kid,
            public_jwk=public_jwk(key),
            signature=sign(signed.claims(), key),
            tree_root=signed.tree_root,
            tree_frontier=frontier.as_json(),
        )
        return await self._keep(
            row,
            (self.administration, first, hashes),
            self._latest_checkpoint,
            last,
            lambda changed: (
                f"entry {changed}: its hash is not the one kept when a checkpoint "
                "covered it: the log was rewritten from here"
            ),
        )

    async def exchange_assertion(self, partner: Administration) -> str:
        """What identifies it to the partner's subgraph when it fetches checkpoints there."""
        async with self.session() as session:
            key = await ensure_signing_key(session)
        return exchange_assertion(key, self.administration, partner)

    async def published_leaves(self, after: int, up_to: int) -> list[str]:
        """The entry hashes it kept of its own log for seq after+1 … up_to (what the partner
        needs to check a checkpoint against what it witnessed before)."""
        async with self.session() as session:
            rows = await kept_leaves(session, self.administration, after, up_to)
        return [entry_hash for _, entry_hash in rows]

    async def accept_cosignature(self, cosignature: SignedCosignature, keys: KeyLookup) -> bool:
        """Keep the partner's countersignature of one of its checkpoints; False when it is
        kept already. CheckpointRefused when it is not a good one."""
        checkpoint = cosignature.checkpoint
        if checkpoint.log is not self.administration or cosignature.cosigner is self.administration:
            raise CheckpointRefused("it is not the partner's cosignature of this log")
        kid = await _verified(cosignature.signature, cosignature.claims(), keys, "the cosignature")
        key = await keys(kid)
        assert key is not None
        async with self.session() as session:
            await lock_the_log(session)
            mine = (
                await session.exec(
                    select(AuditCheckpoint).where(
                        col(AuditCheckpoint.signature) == checkpoint.signature
                    )
                )
            ).first()
            if mine is None or SignedCheckpoint.of(mine) != checkpoint:
                raise CheckpointRefused("it countersigns no checkpoint of this log")
            if await self._has_cosignature(session, cosignature.signature):
                return False
            session.add(self._cosignature_row(cosignature, kid, key.as_dict(private=False)))
            await session.commit()
        return True

    # -- the partner's log ------------------------------------------------------------------

    async def countersign(
        self, checkpoint: SignedCheckpoint, keys: KeyLookup, leaves: LeafSource
    ) -> AuditCosignature | None:
        """Countersign the partner's checkpoint; None when it is countersigned already (or
        was, meanwhile, by another round)."""
        log = checkpoint.log
        if log is self.administration or checkpoint.tree_root is None:
            raise CheckpointRefused("it is not a partner's checkpoint with a tree root")
        what = f"{log.value}'s checkpoint of {checkpoint.size} entries"
        await _verified(checkpoint.signature, checkpoint.claims(), keys, what)
        async with self.session() as session:
            key = await ensure_signing_key(session)
            witnessed = await self._latest_witness(session, log)
        if witnessed is not None and witnessed.checkpoint_signature == checkpoint.signature:
            return None
        frontier = Frontier()
        if witnessed is not None:
            earlier = f"{self.administration.value}'s witness of {witnessed.size} entries"
            frontier = _frontier_of(
                witnessed.size, witnessed.tree_frontier, witnessed.tree_root, earlier
            )
            if checkpoint.size < witnessed.size:
                raise CheckpointRefused(
                    f"{what}: {self.administration.value} witnessed {witnessed.size} "
                    f"entries of that log: entries were removed"
                )
        # Fetched with no transaction open: it may cross the network.
        added = await leaves(frontier.size, checkpoint.size)
        if len(added) != checkpoint.size - frontier.size:
            raise CheckpointRefused(f"{what}: its owner gave {len(added)} entry hashes")
        first = frontier.size + 1
        frontier.extend(added)
        last_hash = added[-1] if added else (witnessed.head_hash if witnessed else None)
        if frontier.root() != checkpoint.tree_root or (
            checkpoint.size and last_hash != checkpoint.head_hash
        ):
            raise CheckpointRefused(
                f"{what} does not extend the log {self.administration.value} witnessed "
                f"(up to entry {witnessed.size if witnessed else 0}): it was rewritten"
            )
        signature = sign(
            cosignature_claims(checkpoint.claims(), checkpoint.signature, self.administration),
            key,
        )
        row = self._cosignature_row(
            SignedCosignature(checkpoint, self.administration, signature),
            key.kid,
            public_jwk(key),
            frontier,
        )
        return await self._keep(
            row,
            (log, first, added),
            lambda session: self._latest_witness(session, log),
            witnessed,
            lambda changed: (
                f"{what}: entry {changed} is not the one "
                f"{self.administration.value} witnessed: that log was rewritten from there"
            ),
        )

    async def _keep(
        self,
        row: Signed,
        hashes: tuple[Administration, int, list[str]],
        latest: Callable[[AsyncSession], Awaitable[Signed | None]],
        read: Signed | None,
        rewritten: Callable[[int], str],
    ) -> Signed | None:
        """Keep a signed row and the entry hashes it covers (log, first seq, hashes) in one
        short transaction under the log's lock; None when another round signed meanwhile
        (`latest` is no longer what was `read`)."""
        async with self.session() as session:
            await lock_the_log(session)
            now = await latest(session)
            if (now and now.id) != (read and read.id):
                return None
            changed = await keep_leaves(session, *hashes)
            if changed is not None:
                raise CheckpointRefused(rewritten(changed))
            session.add(row)
            await session.commit()
            await session.refresh(row)
            return row

    async def _latest_witness(
        self, session: AsyncSession, log: Administration
    ) -> AuditCosignature | None:
        statement = (
            select(AuditCosignature)
            .where(
                col(AuditCosignature.log_administration) == log.value,
                col(AuditCosignature.cosigner_administration) == self.administration.value,
                col(AuditCosignature.tree_root).is_not(None),
            )
            .order_by(col(AuditCosignature.size).desc(), col(AuditCosignature.id).desc())
            .limit(1)
        )
        return (await session.exec(statement)).first()

    async def cosignatures_made(self, after_size: int, limit: int) -> list[AuditCosignature]:
        """Its countersignatures of the partner's log covering more than `after_size` entries,
        oldest first (what the partner collects to keep next to its checkpoints)."""
        async with self.session() as session:
            statement = (
                select(AuditCosignature)
                .where(
                    col(AuditCosignature.cosigner_administration) == self.administration.value,
                    col(AuditCosignature.log_administration) != self.administration.value,
                    col(AuditCosignature.tree_root).is_not(None),
                    col(AuditCosignature.size) > after_size,
                )
                .order_by(col(AuditCosignature.size), col(AuditCosignature.id))
                .limit(limit)
            )
            return list((await session.exec(statement)).all())

    async def latest_cosigned_size(self) -> int:
        """How many entries of its own log the partner's newest kept cosignature covers."""
        async with self.session() as session:
            statement = (
                select(AuditCosignature.size)
                .where(
                    col(AuditCosignature.log_administration) == self.administration.value,
                    col(AuditCosignature.tree_root).is_not(None),
                )
                .order_by(col(AuditCosignature.size).desc())
                .limit(1)
            )
            found = (await session.exec(statement)).first()
        return int(found or 0)

    async def _has_cosignature(self, session: AsyncSession, signature: str) -> bool:
        statement = select(AuditCosignature.id).where(col(AuditCosignature.signature) == signature)
        return (await session.exec(statement)).first() is not None

    def _cosignature_row(
        self,
        cosignature: SignedCosignature,
        kid: str,
        jwk: dict[str, Any],
        frontier: Frontier | None = None,
    ) -> AuditCosignature:
        checkpoint = cosignature.checkpoint
        return AuditCosignature(
            log_administration=checkpoint.log.value,
            size=checkpoint.size,
            head_hash=checkpoint.head_hash,
            signed_at=checkpoint.signed_at,
            checkpoint_signature=checkpoint.signature,
            cosigner_administration=cosignature.cosigner.value,
            cosigned_at=self._clock(),
            kid=kid,
            public_jwk=jwk,
            signature=cosignature.signature,
            tree_root=checkpoint.tree_root,
            tree_frontier=None if frontier is None else frontier.as_json(),
        )


def store_key_lookup(engine: AsyncEngine) -> KeyLookup:
    """The public signing keys kept in an administration's store (the embedded set-up reads
    the partner's published keys where its authorization server keeps them)."""
    sessions = session_factory(engine)

    async def lookup(kid: str) -> AsymmetricKey | None:
        async with sessions() as session:
            keys = await store_keys(session)
        return keys.by_kid.get(kid)

    return lookup
