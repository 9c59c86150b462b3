"""The contract world: the demo data of a fixed seed, served for real, and the golden responses
of the reference operations read from it.

Two apps on loopback: the demo app (both authorization servers, GraphiQL, the demo gateway)
and a gateway of the project's own parts in safelist mode with a fixed cursor secret, trusting
the demo's issuers over HTTP. Golden responses are read from the second, so their cursors are
the same on every run and every read operation is shown to run from the safelist.

`plan.json`, next to the golden responses, says which demo data (seed, cases), which callers
(demo clients) and, per read operation, which variables; or why an operation has no golden
response (`skip`).
"""

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from auth.verification import BuiltinIssuer, verifier_from_agreement
from gateway.app import GatewayParts, gateway_routes, hardening
from gateway.demo import build_demo_app, demo_issuer, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from resolvers.contracts.operations import DEFAULT_OPERATIONS_DIR, Operation, load_operations
from resolvers.exchange.administrations import Administrations
from resolvers.sources.in_process import InProcessSource
from store.agreement import Agreement
from store.database import create_engine, open_store
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store

DEFAULT_GOLDEN_DIR = Path(__file__).resolve().parents[1] / "tests" / "contract" / "golden"
PLAN_FILE = "plan.json"
# Cursors are HMAC-signed; a fixed secret makes them part of a reproducible response. Used by
# this contract world only, never by a served gateway.
GOLDEN_CURSOR_SECRET = b"cmaa-gateway golden responses: a fixed cursor secret for tests only"
# The world is read hundreds of times in a few seconds; the rate limit is not under test here.
CONTRACT_RATE_PER_MINUTE = 1_000_000
SERVER_START_SECONDS = 20.0


class ContractError(ValueError):
    """The golden plan or the operations do not fit together."""


# -- the golden plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldenPlan:
    seed: int
    cases: int
    callers: tuple[str, ...]
    variables: dict[str, dict[str, Any]]
    skip: dict[str, str]

    @classmethod
    def load(cls, golden_dir: Path = DEFAULT_GOLDEN_DIR) -> "GoldenPlan":
        try:
            document = json.loads((golden_dir / PLAN_FILE).read_text(encoding="utf-8"))
            return cls(
                seed=int(document["seed"]),
                cases=int(document["cases"]),
                callers=tuple(document["callers"]),
                variables=dict(document.get("variables") or {}),
                skip=dict(document.get("skip") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ContractError(f"{golden_dir / PLAN_FILE}: {exc}") from None

    def golden_operations(self, operations: list[Operation]) -> list[Operation]:
        """The read operations with a golden response; every read operation must be planned
        (variables, possibly none) or skipped with a reason."""
        reads = [operation for operation in operations if operation.is_read]
        names = {operation.name for operation in reads}
        unplanned = sorted(names - set(self.variables) - set(self.skip))
        if unplanned:
            raise ContractError(
                f"{PLAN_FILE} has neither variables nor a reason to skip for: "
                + ", ".join(unplanned)
            )
        stale = sorted((set(self.variables) | set(self.skip)) - names)
        if stale:
            raise ContractError(f"{PLAN_FILE} names no read operation of operations/: {stale}")
        return [operation for operation in reads if operation.name not in self.skip]


def golden_path(golden_dir: Path, operation: str, caller: str) -> Path:
    return golden_dir / operation / f"{caller}.json"


def golden_text(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


# -- the world ----------------------------------------------------------------------------------


@dataclass
class PreparedWorld:
    stores: DemoStores
    agreement: Agreement
    demo_port: int
    credentials: dict[str, Any]

    @property
    def demo_url(self) -> str:
        return f"http://127.0.0.1:{self.demo_port}"


def contract_agreement(agreement: Agreement) -> Agreement:
    return replace(
        agreement, limits=replace(agreement.limits, rate_per_minute=CONTRACT_RATE_PER_MINUTE)
    )


async def prepare_world(
    directory: Path, agreement: Agreement, *, cases: int, seed: int
) -> PreparedWorld:
    """Both stores in `directory` (which exists), migrated and seeded, and the demo identities
    provisioned."""
    agreement = contract_agreement(agreement)
    stores = DemoStores(directory)
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            await seed_store(engine, administration, agreement, cases=cases, seed=seed)
    port = free_port()
    credentials = await prepare_demo_identities(stores, f"http://127.0.0.1:{port}", agreement)
    return PreparedWorld(stores, agreement, port, credentials)


def safelisted_gateway(
    stores: DemoStores,
    issuer_base_url: str,
    public_url: str,
    agreement: Agreement,
    operations_dir: Path = DEFAULT_OPERATIONS_DIR,
) -> Starlette:
    """A gateway of the project's own parts in safelist mode, with the fixed cursor secret,
    over its own engines, trusting the demo's issuers by their JWKS over HTTP."""
    engines = {a: create_engine(stores.url(a)) for a in Administration}
    parts = GatewayParts(
        agreement=agreement,
        administrations=Administrations(
            {a: InProcessSource(a, engine) for a, engine in engines.items()},
            timeout_seconds=agreement.limits.source_timeout_seconds,
        ),
        verifier=verifier_from_agreement(
            agreement,
            {a: BuiltinIssuer(issuer=demo_issuer(issuer_base_url, a)) for a in Administration},
        ),
        cursor_secret=GOLDEN_CURSOR_SECRET,
        safelist=True,
        operations_dir=operations_dir,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for engine in engines.values():
                await engine.dispose()

    return Starlette(
        routes=gateway_routes(parts), middleware=hardening(parts, public_url), lifespan=lifespan
    )


@dataclass
class ContractWorld:
    demo_url: str
    gateway_url: str
    credentials: dict[str, Any]
    _tokens: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, client_id: str) -> dict[str, Any]:
        for client in self.credentials["clients"]:
            if client["client_id"] == client_id:
                return dict(client)
        raise ContractError(f"the demo has no client {client_id!r}")

    def token_url(self, client_id: str) -> str:
        return f"{self.credentials['issuers'][self.client(client_id)['administration']]}/token"

    def token(self, client_id: str) -> str:
        """An access token of the demo client (client credentials), cached per client."""
        with self._lock:
            if client_id not in self._tokens:
                client = self.client(client_id)
                response = httpx.post(
                    self.token_url(client_id),
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, client["client_secret"]),
                    timeout=30,
                )
                if response.status_code != 200:
                    raise ContractError(f"no token for {client_id}: {response.text}")
                self._tokens[client_id] = response.json()["access_token"]
            return self._tokens[client_id]


@contextmanager
def serve_world(
    prepared: PreparedWorld, operations_dir: Path = DEFAULT_OPERATIONS_DIR
) -> Iterator[ContractWorld]:
    demo = build_demo_app(prepared.stores, prepared.demo_url, prepared.agreement)
    gateway_port = free_port()
    gateway = safelisted_gateway(
        prepared.stores,
        prepared.demo_url,
        f"http://127.0.0.1:{gateway_port}",
        prepared.agreement,
        operations_dir,
    )
    with (
        running_server(demo, prepared.demo_port, SERVER_START_SECONDS) as demo_url,
        running_server(gateway, gateway_port, SERVER_START_SECONDS) as gateway_url,
    ):
        yield ContractWorld(demo_url, gateway_url, prepared.credentials)


# -- golden responses -------------------------------------------------------------------------


def run_golden(
    world: ContractWorld, plan: GoldenPlan, operations: list[Operation]
) -> dict[tuple[str, str], Any]:
    """(operation, caller) → the response body, for every planned read operation and caller."""
    responses: dict[tuple[str, str], Any] = {}
    with httpx.Client(timeout=60) as http:
        for operation in plan.golden_operations(operations):
            for caller in plan.callers:
                response = http.post(
                    f"{world.gateway_url}/graphql",
                    json={
                        "query": operation.body,
                        "operationName": operation.name,
                        "variables": plan.variables.get(operation.name) or {},
                    },
                    headers={"Authorization": f"Bearer {world.token(caller)}"},
                )
                if response.status_code != 200:
                    raise ContractError(
                        f"{operation.name} as {caller}: HTTP {response.status_code} "
                        f"{response.text[:500]}"
                    )
                responses[(operation.name, caller)] = response.json()
    return responses


def golden_differences(golden_dir: Path, responses: dict[tuple[str, str], Any]) -> list[str]:
    """What differs between the responses and the committed files, one line each."""
    differences = []
    expected_files = set()
    for (operation, caller), body in sorted(responses.items()):
        path = golden_path(golden_dir, operation, caller)
        expected_files.add(path)
        try:
            committed = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            differences.append(f"{operation}/{caller}.json is missing")
            continue
        if committed != golden_text(body):
            differences.append(f"{operation}/{caller}.json differs")
    for path in sorted(golden_dir.glob("*/*.json")):
        if path not in expected_files:
            differences.append(f"{path.parent.name}/{path.name} answers no planned operation")
    return differences


def write_golden(golden_dir: Path, responses: dict[tuple[str, str], Any]) -> list[Path]:
    """Replace the golden responses: every planned one written, every other one removed."""
    written = []
    for (operation, caller), body in sorted(responses.items()):
        path = golden_path(golden_dir, operation, caller)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(golden_text(body), encoding="utf-8")
        written.append(path)
    for path in golden_dir.glob("*/*.json"):
        if path not in written:
            path.unlink()
    for directory in golden_dir.iterdir():
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    return written


def collect_golden(
    directory: Path,
    agreement: Agreement,
    golden_dir: Path = DEFAULT_GOLDEN_DIR,
    operations_dir: Path = DEFAULT_OPERATIONS_DIR,
) -> dict[tuple[str, str], Any]:
    """Seed a world in `directory` as the plan says, serve it, and read every golden response."""
    plan = GoldenPlan.load(golden_dir)
    operations = load_operations(operations_dir)
    plan.golden_operations(operations)
    prepared = asyncio.run(prepare_world(directory, agreement, cases=plan.cases, seed=plan.seed))
    with serve_world(prepared, operations_dir) as world:
        return run_golden(world, plan, operations)
