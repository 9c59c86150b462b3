"""The checkpointer: a background task that signs an administration's audit log on the
agreement's cadence (`[audit]` in agreement.toml: every N entries, or every T seconds when the
log grew) and exchanges checkpoints with the partner for countersignature, without a person
acting.

- Embedded (`cmaa demo`): both stores are in this process. Each administration's
  checkpointer hands its newest checkpoint to the partner's signer, which checks it with the
  owner's published key and against what it witnessed before, countersigns it with its own
  key in its own store, and the countersignature is kept next to the checkpoint.
- Distributed (`cmaa subgraph --partner-url URL`): each subgraph publishes what the partner
  needs (`audit_routes`): its newest signed checkpoint, the entry hashes a checkpoint covers,
  and the countersignatures it made of the partner's log. Each subgraph fetches the
  partner's checkpoint, checks it with the key the partner's issuer publishes (its JWKS, as
  for tokens), countersigns it, and collects the partner's countersignatures of its own
  checkpoints, checked the same way. Nothing is pushed: each side writes only its own store
  and signs only with its own key. What is published is signed and holds hashes and counts,
  never an entry's content, and only to the partner: each request carries a one-minute
  assertion signed with the partner's key (auth/audit_signing.py), checked against the
  partner issuer's published keys. Without a partner configured nothing is published.

The hot path is untouched: appends do not know the checkpointer exists; a tick reads the
head row and the newest checkpoint, and reads entries only when it signs.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.audit_signing import check_exchange_assertion
from auth.checkpoints import (
    AuditSigner,
    CheckpointRefused,
    KeyLookup,
    SignedCheckpoint,
    SignedCosignature,
    store_key_lookup,
)
from store.agreement import AuditCheckpoints
from store.models.audit import AuditCheckpoint
from store.models.domain import Administration

log = logging.getLogger("cmaa.audit")
# The cadence's count is looked at this often at least (a tick is two small reads).
MAX_POLL_SECONDS = 5.0
LEAVES_PER_PAGE = 10_000
COSIGNATURES_PER_PAGE = 100
STOP_GRACE_SECONDS = 10.0

Sleep = Callable[[float], Awaitable[None]]


class Partner(Protocol):
    """Where the partner administration's signer is reached."""

    async def exchange(self, own: AuditSigner) -> None:
        """Have own's newest checkpoint countersigned, and countersign the partner's."""


class InProcessPartner:
    """The partner's signer in this process (the embedded demo): it countersigns directly."""

    def __init__(self, signer: AuditSigner) -> None:
        self.signer = signer

    async def exchange(self, own: AuditSigner) -> None:
        latest = await own.latest_checkpoint()
        if latest is not None:
            await self.signer.countersign(
                SignedCheckpoint.of(latest), store_key_lookup(own.engine), own.published_leaves
            )
        partner_keys = store_key_lookup(self.signer.engine)
        after = await own.latest_cosigned_size()
        for row in await self.signer.cosignatures_made(after, COSIGNATURES_PER_PAGE):
            if row.log_administration == own.administration.value:
                await own.accept_cosignature(SignedCosignature.of(row), partner_keys)


class RemotePartner:
    """The partner's subgraph over HTTP, its signatures checked with its issuer's keys."""

    def __init__(
        self,
        administration: Administration,
        base_url: str,
        keys: KeyLookup,
        *,
        timeout_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.administration = administration
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self._timeout = timeout_seconds
        self._transport = transport

    async def exchange(self, own: AuditSigner) -> None:
        assertion = await own.exchange_assertion(self.administration)
        async with httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self._timeout,
            transport=self._transport,
            headers={"Authorization": f"Bearer {assertion}"},
        ) as http:
            response = await http.get("/audit/checkpoint")
            if response.status_code != 404:
                response.raise_for_status()
                checkpoint = SignedCheckpoint.from_json(response.json())
                if checkpoint.log is not self.administration:
                    raise CheckpointRefused("the partner published another log's checkpoint")

                async def leaves(after: int, up_to: int) -> list[str]:
                    return await _fetch_leaves(http, after, up_to)

                await own.countersign(checkpoint, self.keys, leaves)
            after = await own.latest_cosigned_size()
            response = await http.get("/audit/cosignatures", params={"after": after})
            response.raise_for_status()
            for document in response.json()["cosignatures"]:
                await own.accept_cosignature(SignedCosignature.from_json(document), self.keys)


async def _fetch_leaves(http: httpx.AsyncClient, after: int, up_to: int) -> list[str]:
    found: list[str] = []
    while after + len(found) < up_to:
        start = after + len(found)
        stop = min(up_to, start + LEAVES_PER_PAGE)
        response = await http.get("/audit/leaves", params={"after": start, "upTo": stop})
        response.raise_for_status()
        page = response.json()["leaves"]
        if not isinstance(page, list) or len(page) != stop - start:
            raise CheckpointRefused("the partner gave a short page of entry hashes")
        found += [str(value) for value in page]
    return found


class Checkpointer:
    """Signs one administration's log on the cadence and runs the exchange with the partner."""

    def __init__(
        self,
        signer: AuditSigner,
        cadence: AuditCheckpoints,
        partner: Partner | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        stop_grace_seconds: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.signer = signer
        self.cadence = cadence
        self.partner = partner
        self.poll_seconds = min(cadence.every_seconds, MAX_POLL_SECONDS)
        self._sleep = sleep
        self._stop_grace = stop_grace_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0
        self._progress = asyncio.Event()

    async def tick(self) -> AuditCheckpoint | None:
        """One round: a checkpoint if the cadence asks for one, then the exchange. Failures
        are logged, never raised: the next round tries again."""
        who = self.signer.administration.value
        made = None
        try:
            if await self.signer.due(self.cadence):
                made = await self.signer.checkpoint()
        except CheckpointRefused as refused:
            log.error("%s: audit log not checkpointed: %s", who, refused)
        except (DBAPIError, OSError) as exc:
            log.warning("%s: audit checkpoint postponed: %s", who, type(exc).__name__)
        except Exception:
            # A background task that dies says nothing: keep it alive, and say what failed.
            log.exception("%s: audit checkpoint failed", who)
        if self.partner is not None:
            try:
                await self.partner.exchange(self.signer)
            except CheckpointRefused as refused:
                log.error("%s: audit checkpoint exchange refused: %s", who, refused)
            except (httpx.HTTPError, DBAPIError, OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("%s: audit checkpoint exchange failed: %s", who, type(exc).__name__)
            except Exception:
                log.exception("%s: audit checkpoint exchange failed", who)
        return made

    async def run(self) -> None:
        while not self._stopping.is_set():
            await self.tick()
            self.rounds += 1
            self._progress.set()
            await self._pause()

    async def rounds_done(self, count: int) -> None:
        """Wait until the background task has run `count` rounds since it started."""
        while self.rounds < count:
            self._progress.clear()
            await self._progress.wait()

    async def _pause(self) -> None:
        sleeping = asyncio.ensure_future(self._sleep(self.poll_seconds))
        stopping = asyncio.ensure_future(self._stopping.wait())
        _, pending = await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(
            self.run(), name=f"checkpointer-{self.signer.administration.value}"
        )

    async def stop(self) -> None:
        """Let the current round finish, then end (before the store's engine is disposed); a
        round stuck on an unreachable store or partner is cancelled after a grace period (its
        transaction is rolled back: nothing is half-written)."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self._stop_grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


# -- what a subgraph publishes to its partner ------------------------------------------------------


def _whole(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _refused(problem: str) -> Response:
    return JSONResponse({"error": problem}, status_code=400)


def audit_routes(signer: AuditSigner, partner: RemotePartner | None) -> list[Route]:
    """GET /audit/checkpoint, /audit/leaves?after=A&upTo=B, /audit/cosignatures?after=S, for
    the partner alone (404 for everyone when no partner is configured)."""
    own = signer.administration

    async def partner_asks(request: Request) -> Response | None:
        """None when the request carries a good assertion of the partner; the refusal else."""
        if partner is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise ValueError("no assertion")
            await check_exchange_assertion(token, partner.keys, partner.administration, own)
        except ValueError:
            return JSONResponse(
                {"error": "unauthorized"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return None

    async def checkpoint(request: Request) -> Response:
        if (refused := await partner_asks(request)) is not None:
            return refused
        latest = await signer.latest_checkpoint()
        if latest is None:
            return JSONResponse({"error": "no checkpoint yet"}, status_code=404)
        return JSONResponse(SignedCheckpoint.of(latest).as_json())

    async def leaves(request: Request) -> Response:
        if (refused := await partner_asks(request)) is not None:
            return refused
        after, up_to = _whole(request, "after"), _whole(request, "upTo")
        if after is None or up_to is None or not 0 <= after <= up_to:
            return _refused("after and upTo must be whole numbers, after ≤ upTo")
        if up_to - after > LEAVES_PER_PAGE:
            return _refused(f"at most {LEAVES_PER_PAGE} entry hashes at a time")
        latest = await signer.latest_checkpoint()
        # Only what a signed checkpoint covers: the partner checks them against its root.
        if up_to > (latest.size if latest is not None else 0):
            return _refused("upTo is beyond the newest checkpoint")
        return JSONResponse({"leaves": await signer.published_leaves(after, up_to)})

    async def cosignatures(request: Request) -> Response:
        if (refused := await partner_asks(request)) is not None:
            return refused
        after = _whole(request, "after")
        if after is None:
            return _refused("after must be a whole number")
        rows = await signer.cosignatures_made(after, COSIGNATURES_PER_PAGE)
        return JSONResponse({"cosignatures": [SignedCosignature.of(row).as_json() for row in rows]})

    return [
        Route("/audit/checkpoint", checkpoint, methods=["GET"]),
        Route("/audit/leaves", leaves, methods=["GET"]),
        Route("/audit/cosignatures", cosignatures, methods=["GET"]),
    ]
