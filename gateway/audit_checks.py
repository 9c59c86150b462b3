"""The audit logs' checkpoints, countersignatures and verification, as `cmaa audit` runs them
(gateway/commands/audit_commands.py says what each action does)."""

import argparse
import asyncio
import sys
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.audit_signing import Keys, check_signature, kid_of, store_keys
from auth.checkpoints import (
    AuditSigner,
    CheckpointRefused,
    SignedCheckpoint,
    SignedCosignature,
    store_key_lookup,
)
from auth.keys import signing_key
from gateway.commands import CommandError
from gateway.settings import DemoStores
from store.audit import (
    ChainCheck,
    Problem,
    check_chain,
    logged_hashes,
)
from store.audit_tree import first_difference, kept_leaves, tree_root
from store.database import UnsupportedDatabaseURL, create_engine, session_factory
from store.migrate import store_administration
from store.models import SigningKey
from store.models._base import as_utc, utcnow
from store.models.audit import AuditCheckpoint, AuditCosignature
from store.models.domain import Administration

BROKEN = 1


class LogBroken(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


# -- stores ------------------------------------------------------------------------------------


@dataclass
class Store:
    """One administration's store, opened for the command."""

    administration: Administration
    engine: AsyncEngine

    def session(self) -> AsyncSession:
        return session_factory(self.engine)()


async def open_store_of(url: str, expected: Administration | None) -> Store:
    engine = create_engine(url)
    try:
        found = await store_administration(engine)
    except (DBAPIError, OSError) as exc:
        await engine.dispose()
        raise CommandError(f"cannot read the store: {type(exc).__name__}") from None
    if found is None or (expected is not None and found is not expected):
        await engine.dispose()
        whose = "no administration's" if found is None else f"{found.value}'s"
        wanted = "" if expected is None else f", not {expected.value}'s"
        raise CommandError(f"the database is {whose} store{wanted}; run `cmaa migrate` first")
    return Store(found, engine)


def demo_store_url(data_dir: Path, administration: Administration) -> str:
    stores = DemoStores(data_dir)
    if not stores.path(administration).is_file():
        raise CommandError(f"no {administration.value} store in {data_dir}")
    return stores.url(administration)


# -- keys and signatures -----------------------------------------------------------------------


async def current_key(store: Store, session: AsyncSession) -> SigningKey:
    row = await signing_key(session)
    if row is None:
        raise CommandError(
            f"{store.administration.value} has no signing key yet: start its authorization "
            "server once (cmaa demo) or run `cmaa keys rotate`"
        )
    return row


def _moment(value: datetime) -> str:
    moment = as_utc(value)
    assert moment is not None
    return moment.isoformat(timespec="microseconds")


# -- checking a log ----------------------------------------------------------------------------


@dataclass
class Witness:
    """A cosignature of the log under check, as found in one of the stores."""

    row: AuditCosignature
    found_in: Administration


@dataclass
class LogReport:
    administration: Administration
    chain: ChainCheck
    checkpoints: list[AuditCheckpoint]
    witnesses: list[Witness]
    notes: list[str]


async def _checkpoints(session: AsyncSession, log: Administration) -> list[AuditCheckpoint]:
    statement = (
        select(AuditCheckpoint)
        .where(col(AuditCheckpoint.log_administration) == log.value)
        .order_by(col(AuditCheckpoint.size), col(AuditCheckpoint.id))
    )
    return list((await session.exec(statement)).all())


async def _cosignatures(session: AsyncSession, log: Administration) -> list[AuditCosignature]:
    statement = (
        select(AuditCosignature)
        .where(col(AuditCosignature.log_administration) == log.value)
        .order_by(col(AuditCosignature.size), col(AuditCosignature.id))
    )
    return list((await session.exec(statement)).all())


def _at_position(chain: ChainCheck, size: int, head_hash: str, what: str) -> Problem | None:
    """Whether the log still holds, at `size`, the hash `what` signed."""
    if size > chain.size:
        return Problem(
            chain.size + 1,
            f"{what} covers {size} entries but the log ends at {chain.size}: entries "
            f"{chain.size + 1} to {size} were removed",
        )
    found = chain.hash_at(size)
    if found != head_hash:
        return Problem(
            size,
            f"{what} signed hash {head_hash[:16]}… for entry {size}, the log now has "
            f"{(found or '?')[:16]}…: the log was rewritten up to here",
        )
    return None


async def _located(
    problem: Problem | None,
    log: Store,
    kept_in: Sequence[Store],
    size: int,
    root: str | None,
    what: str,
) -> Problem | None:
    """Where the log first differs from what `what` signed: the entry hashes kept in the first
    of `kept_in` whose copy the signed tree root authenticates, against the log's, so a
    rewrite whose later hashes were all recomputed is named by its first entry, not by the
    checkpoint's."""
    if problem is None or root is None:
        return problem
    for store in kept_in:
        async with store.session() as session:
            rows = await kept_leaves(session, log.administration, 0, size)
        kept = [value for _, value in rows]
        if len(kept) == size and tree_root(kept) == root:
            break
    else:
        where = " and ".join(f"{store.administration.value}'s store" for store in kept_in)
        return Problem(
            problem.seq,
            f"{problem.message} (the entry hashes it covers, kept in {where}, were changed too)",
        )
    async with log.session() as session:
        found = await logged_hashes(session, size)
    seq = first_difference(kept, found)
    if seq is None or seq >= problem.seq:
        return problem
    return Problem(
        seq,
        f"{what} commits to hash {kept[seq - 1][:16]}… for this entry, the log has "
        f"{found[seq - 1][:16]}…: the log was rewritten from here (later hashes recomputed)",
    )


def _first(problems: Iterable[Problem | None]) -> Problem | None:
    found = [problem for problem in problems if problem is not None]
    return min(found, key=lambda problem: problem.seq) if found else None


async def check_log(store: Store, partner: Store | None) -> LogReport:
    """Check one administration's log against its chain, its checkpoints and every
    cosignature of it found in its own store and in the partner's; raise LogBroken."""
    log = store.administration
    notes: list[str] = []
    async with store.session() as session:
        checkpoints = await _checkpoints(session, log)
        witnesses = [Witness(row, log) for row in await _cosignatures(session, log)]
        own_keys = await store_keys(session)
    partner_keys = Keys()
    if partner is not None:
        async with partner.session() as session:
            partner_keys = await store_keys(session)
            seen = {witness.row.signature for witness in witnesses}
            for cosigned in await _cosignatures(session, log):
                if cosigned.signature not in seen:
                    witnesses.append(Witness(cosigned, partner.administration))
    positions = {row.size for row in checkpoints} | {w.row.size for w in witnesses}
    async with store.session() as session:
        chain = await check_chain(session, positions)
    if chain.problem is not None:
        raise LogBroken(chain.problem)

    problems: list[Problem | None] = []
    # Where the log's entry hashes are kept: by its owner, and by the partner as its witness.
    copies = [store] if partner is None else [store, partner]
    for row in checkpoints:
        what = f"checkpoint {row.id} (signed {_moment(row.signed_at)})"
        try:
            key, whence = own_keys.key_for(row.kid, row.public_jwk)
            check_signature(row.signature, SignedCheckpoint.of(row).claims(), key)
        except ValueError as exc:
            problems.append(Problem(max(1, min(row.size, chain.size + 1)), f"{what}: {exc}"))
            continue
        if whence != "a key in its store":
            notes.append(f"{what} was checked with {whence} (kid {row.kid[:12]}…)")
        found = _at_position(chain, row.size, row.head_hash, what)
        problems.append(await _located(found, store, copies, row.size, row.tree_root, what))
    for witness in witnesses:
        cosigned = witness.row
        cosigner = Administration(cosigned.cosigner_administration)
        what = (
            f"the cosignature by {cosigner.value} of checkpoint (size {cosigned.size}, signed "
            f"{_moment(cosigned.signed_at)}) kept in {witness.found_in.value}'s store"
        )
        keys = partner_keys if cosigner is not log else own_keys
        try:
            key, _ = keys.key_for(cosigned.kid, cosigned.public_jwk)
            check_signature(cosigned.signature, SignedCosignature.of(cosigned).claims(), key)
            signer_kid = kid_of(cosigned.checkpoint_signature)
            recorded = next((c.public_jwk for c in checkpoints if c.kid == signer_kid), {})
            signer_key, _ = own_keys.key_for(signer_kid, recorded)
        except ValueError as exc:
            problems.append(Problem(max(1, min(cosigned.size, chain.size + 1)), f"{what}: {exc}"))
            continue
        try:
            check_signature(
                cosigned.checkpoint_signature, SignedCheckpoint.of(cosigned).claims(), signer_key
            )
        except ValueError as exc:
            problems.append(
                Problem(max(1, min(cosigned.size, chain.size + 1)), f"{what}: the checkpoint {exc}")
            )
            continue
        found = _at_position(chain, cosigned.size, cosigned.head_hash, what)
        # The copy kept where the witness was found first: the cosigner's is its own.
        kept_in = copies if witness.found_in is log else copies[::-1]
        problems.append(
            await _located(found, store, kept_in, cosigned.size, cosigned.tree_root, what)
        )
    first = _first(problems)
    if first is not None:
        raise LogBroken(first)
    return LogReport(log, chain, checkpoints, witnesses, notes)


def _summary(report: LogReport) -> str:
    chain = report.chain
    text = f"{report.administration.value}: log verified: {chain.size} entries"
    if chain.size:
        text += f", head {chain.head_hash[:16]}…"
    if report.checkpoints:
        latest = report.checkpoints[-1]
        text += (
            f"; {len(report.checkpoints)} checkpoint(s) match, the latest of "
            f"{latest.size} entries signed {_moment(latest.signed_at)}"
        )
    else:
        text += "; no checkpoint yet"
    cosigners = sorted({w.row.cosigner_administration for w in report.witnesses})
    if report.witnesses:
        text += f"; {len(report.witnesses)} cosignature(s) by {', '.join(cosigners)} match"
    return text


# -- the commands ------------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    try:
        return asyncio.run(coroutine)
    except UnsupportedDatabaseURL as exc:
        raise CommandError(str(exc)) from None
    except (DBAPIError, OSError) as exc:
        raise CommandError(f"cannot reach the store: {type(exc).__name__}") from None


def _own_url(arguments: argparse.Namespace) -> str:
    if arguments.database_url:
        return str(arguments.database_url)
    return demo_store_url(arguments.data_dir, Administration(arguments.administration))


async def _checkpoint(url: str, administration: Administration) -> int:
    store = await open_store_of(url, administration)
    try:
        try:
            await check_log(store, None)
        except LogBroken as broken:
            print(
                f"{administration.value}: not signing a broken log: {broken.problem}",
                file=sys.stderr,
            )
            return BROKEN
        async with store.session() as session:
            await current_key(store, session)
        try:
            row = await AuditSigner(administration, store.engine, utcnow).checkpoint(again=True)
        except CheckpointRefused as refused:
            print(f"{administration.value}: not signing: {refused}", file=sys.stderr)
            return BROKEN
        assert row is not None
        claims = SignedCheckpoint.of(row).claims()
        print(orjson.dumps({**claims, "kid": row.kid, "signature": row.signature}).decode())
        return 0
    finally:
        await store.engine.dispose()


def checkpoint_command(arguments: argparse.Namespace) -> int:
    administration = Administration(arguments.administration)
    return _run(_checkpoint(_own_url(arguments), administration))


async def _latest_checkpoint(store: Store) -> AuditCheckpoint:
    async with store.session() as session:
        statement = (
            select(AuditCheckpoint)
            .where(col(AuditCheckpoint.log_administration) == store.administration.value)
            .order_by(col(AuditCheckpoint.size).desc(), col(AuditCheckpoint.id).desc())
            .limit(1)
        )
        row = (await session.exec(statement)).first()
    if row is None:
        who = store.administration.value
        raise CommandError(
            f"{who} has no checkpoint to cosign: run `cmaa audit checkpoint --administration "
            f"{who}` first"
        )
    return row


async def _cosign(own_url: str, partner_url: str, cosigner: Administration) -> int:
    own = await open_store_of(own_url, cosigner)
    try:
        partner = await open_store_of(partner_url, None)
        try:
            if partner.administration is cosigner:
                raise CommandError("the partner's store is the cosigner's own")
            return await _countersign(own, partner)
        finally:
            await partner.engine.dispose()
    finally:
        await own.engine.dispose()


async def _countersign(own: Store, partner: Store) -> int:
    log, cosigner = partner.administration, own.administration
    checkpoint = await _latest_checkpoint(partner)
    async with own.session() as session:
        witnessed = await _cosignatures(session, log)
    if any(row.checkpoint_signature == checkpoint.signature for row in witnessed):
        print(f"{cosigner.value}: {log.value}'s latest checkpoint is cosigned already")
        return 0
    async with partner.session() as session:
        partner_keys = await store_keys(session)
        positions = {checkpoint.size} | {row.size for row in witnessed}
        chain = await check_chain(session, positions, up_to=max(positions))
    what = f"{log.value}'s checkpoint {checkpoint.id}"
    try:
        key, _ = partner_keys.key_for(checkpoint.kid, checkpoint.public_jwk)
        check_signature(checkpoint.signature, SignedCheckpoint.of(checkpoint).claims(), key)
    except ValueError as exc:
        print(f"{cosigner.value}: not cosigning {what}: {exc}", file=sys.stderr)
        return BROKEN
    problem = chain.problem or _first(
        [_at_position(chain, checkpoint.size, checkpoint.head_hash, what)]
        + [
            _at_position(chain, row.size, row.head_hash, f"{cosigner.value}'s earlier witness")
            for row in witnessed
        ]
    )
    if problem is not None:
        print(f"{cosigner.value}: not cosigning {log.value}'s log: {problem}", file=sys.stderr)
        return BROKEN
    async with own.session() as session:
        await current_key(own, session)
    signer = AuditSigner(cosigner, own.engine, utcnow)
    owner = AuditSigner(log, partner.engine, utcnow)
    try:
        row = await signer.countersign(
            SignedCheckpoint.of(checkpoint),
            store_key_lookup(partner.engine),
            owner.published_leaves,
        )
    except CheckpointRefused as refused:
        print(f"{cosigner.value}: not cosigning {log.value}'s log: {refused}", file=sys.stderr)
        return BROKEN
    assert row is not None
    delivered = True
    try:
        await owner.accept_cosignature(SignedCosignature.of(row), store_key_lookup(own.engine))
    except (DBAPIError, CheckpointRefused) as exc:
        delivered = False
        print(
            f"{cosigner.value}: kept in {cosigner.value}'s store only; {log.value}'s store "
            f"refused it ({type(exc).__name__})",
            file=sys.stderr,
        )
    shown = {**SignedCosignature.of(row).claims(), "kid": row.kid, "signature": row.signature}
    print(orjson.dumps({**shown, "delivered": delivered}).decode())
    return 0


def cosign_command(arguments: argparse.Namespace) -> int:
    cosigner = Administration(arguments.administration)
    partner = next(a for a in Administration if a is not cosigner)
    own_url = _own_url(arguments)
    if arguments.from_database_url:
        partner_url = str(arguments.from_database_url)
    else:
        partner_url = demo_store_url(arguments.from_data_dir or arguments.data_dir, partner)
    return _run(_cosign(own_url, partner_url, cosigner))


async def _verify(urls: dict[Administration | None, str], partner_url: str | None) -> int:
    stores: list[Store] = []
    try:
        for expected, url in urls.items():
            stores.append(await open_store_of(url, expected))
        if partner_url is not None:
            stores.append(await open_store_of(partner_url, None))
            if stores[1].administration is stores[0].administration:
                raise CommandError("the partner's store is the same administration's")
        checked = stores if partner_url is None else stores[:1]
        status = 0
        for store in checked:
            partner = next((s for s in stores if s is not store), None)
            try:
                report = await check_log(store, partner)
            except LogBroken as broken:
                print(f"{store.administration.value}: {broken.problem}", file=sys.stderr)
                status = BROKEN
                continue
            print(_summary(report))
            for note in report.notes:
                print(f"{store.administration.value}: note: {note}")
        return status
    finally:
        for store in stores:
            await store.engine.dispose()


def verify_command(arguments: argparse.Namespace) -> int:
    urls: dict[Administration | None, str]
    if arguments.database_url:
        expected = (
            None if arguments.administration is None else Administration(arguments.administration)
        )
        urls = {expected: str(arguments.database_url)}
    else:
        if arguments.partner_database_url:
            raise CommandError("--partner-database-url goes with --database-url")
        wanted = (
            list(Administration)
            if arguments.administration is None
            else [Administration(arguments.administration)]
        )
        urls = {a: demo_store_url(arguments.data_dir, a) for a in Administration}
        if len(wanted) == 1:
            other = next(a for a in Administration if a is not wanted[0])
            return _run(_verify({wanted[0]: urls[wanted[0]]}, urls[other]))
    return _run(_verify(urls, arguments.partner_database_url))
