"""The contract suite's world: the golden plan's demo data (seed, cases), the demo app (both
issuers and the demo gateway) and a safelist-mode gateway with a fixed cursor secret, both on
real uvicorn (gateway.golden).

The golden responses are read first, before any test can change the data; tests that change it
(the mutation operations) run after, on the same world.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.golden import (
    ContractWorld,
    GoldenPlan,
    PreparedWorld,
    prepare_world,
    run_golden,
    serve_world,
)
from resolvers.contracts.operations import Operation, load_operations
from store.agreement import load_agreement

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = ROOT / "tests" / "contract" / "golden"
OPERATIONS_DIR = ROOT / "operations"


@dataclass
class World:
    served: ContractWorld
    golden: dict[tuple[str, str], Any]
    operations: dict[str, Operation]
    prepared: PreparedWorld

    @property
    def gateway_url(self) -> str:
        """The safelist-mode gateway."""
        return self.served.gateway_url

    @property
    def demo_url(self) -> str:
        """The demo app: the issuers, and a gateway without safelist."""
        return self.served.demo_url

    def token(self, client_id: str) -> str:
        return self.served.token(client_id)

    def post(
        self, base_url: str, client_id: str, body: dict[str, Any], **headers: str
    ) -> httpx.Response:
        return httpx.post(
            f"{base_url}/graphql",
            json=body,
            headers={"Authorization": f"Bearer {self.token(client_id)}", **headers},
            timeout=60,
        )


@pytest.fixture(scope="session")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    plan = GoldenPlan.load(GOLDEN_DIR)
    operations = load_operations(OPERATIONS_DIR)
    prepared = await prepare_world(
        tmp_path_factory.mktemp("contract-world"),
        load_agreement(),
        cases=plan.cases,
        seed=plan.seed,
    )
    with serve_world(prepared, OPERATIONS_DIR) as served:
        golden = run_golden(served, plan, operations)
        yield World(
            served, golden, {operation.name: operation for operation in operations}, prepared
        )
