"""Helpers for the authorization-server tests: the demo on real uvicorn, forms, forged tokens."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from joserfc import jws
from joserfc.jwk import RSAKey
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.http import protected
from auth.policy.scopes import PII_READ
from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from store.agreement import Agreement, load_agreement
from store.database import open_store, session_factory
from store.migrate import prepare_store
from store.models import SigningKey
from store.models.domain import Administration


@dataclass
class Demo:
    """The demo app (both issuers) on real uvicorn, with two probe endpoints behind the
    demo's own verifier: /probe/whoami (any valid token) and /probe/pii (cmaa.pii:read)."""

    base_url: str
    stores: DemoStores
    credentials: dict[str, Any]
    agreement: Agreement
    app: Starlette

    def client(self, client_id: str) -> dict[str, Any]:
        return next(c for c in self.credentials["clients"] if c["client_id"] == client_id)

    def user(self, username: str) -> dict[str, Any]:
        return next(u for u in self.credentials["users"] if u["username"] == username)

    def issuer(self, administration: str) -> str:
        return str(self.credentials["issuers"][administration])

    def metadata_url(self, administration: str) -> str:
        well_known = "/.well-known/oauth-authorization-server"
        return f"{self.base_url}{well_known}/oauth/{administration.lower()}"

    async def metadata(self, http: httpx.AsyncClient, administration: str) -> dict[str, Any]:
        response = await http.get(self.metadata_url(administration))
        response.raise_for_status()
        return dict(response.json())

    async def token(
        self, http: httpx.AsyncClient, client_id: str, scope: str | None = None
    ) -> dict[str, Any]:
        """A client-credentials token (client_secret_basic), from the discovered endpoint."""
        client = self.client(client_id)
        metadata = await self.metadata(http, client["administration"])
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = await http.post(
            metadata["token_endpoint"], data=data, auth=(client_id, client["client_secret"])
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def signing_key(self, administration: str) -> tuple[RSAKey, str]:
        """The private key that signs now, read from the store (to forge near-valid tokens)."""
        url = self.stores.url(Administration(administration))
        async with open_store(url) as engine, session_factory(engine)() as session:
            statement = (
                select(SigningKey)
                .where(col(SigningKey.retired_at).is_(None))
                .order_by(col(SigningKey.created_at).desc())
            )
            row = (await session.exec(statement)).first()
        assert row is not None
        return RSAKey.import_key(row.private_jwk), row.kid


async def _whoami(request: Request) -> Response:
    principal = request.state.principal
    return JSONResponse(
        {
            "administration": principal.administration.value,
            "subject": principal.subject,
            "client_id": principal.client_id,
            "scopes": sorted(principal.scopes),
            "designated": principal.designated,
            "token_id": principal.token_id,
        }
    )


@asynccontextmanager
async def running_demo(data_dir: Path) -> AsyncIterator[Demo]:
    agreement = load_agreement()
    stores = DemoStores(data_dir)
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    credentials = await prepare_demo_identities(stores, public_url, agreement)
    app = build_demo_app(stores, public_url, agreement)
    verifier = app.state.verifier
    app.router.routes.append(Route("/probe/whoami", protected(verifier)(_whoami)))
    app.router.routes.append(Route("/probe/pii", protected(verifier, PII_READ)(_whoami)))
    with running_server(app, port=port) as base_url:
        yield Demo(base_url, stores, credentials, agreement, app)


# -- forms -------------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action, hidden and named inputs, and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action"), "fields": {}, "buttons": []})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        elif tag == "button" and self.forms and attributes.get("name"):
            self.forms[-1]["buttons"].append((attributes["name"], attributes.get("value")))


def only_form(html: str) -> dict[str, Any]:
    parser = Forms()
    parser.feed(html)
    assert len(parser.forms) == 1, html
    return parser.forms[0]


# -- forged tokens -----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def good_claims(demo: Demo, administration: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": demo.issuer(administration),
        "sub": f"{administration.lower()}-dashboard",
        "aud": demo.agreement.tokens.audience,
        "client_id": f"{administration.lower()}-dashboard",
        "scope": "cmaa.cases:read",
        "jti": f"forged-{time.monotonic_ns()}",
        "iat": now,
        "exp": now + 600,
        "designated": True,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def sign(header: dict[str, Any], claims: dict[str, Any], key: RSAKey) -> str:
    """Exactly this header (joserfc's jwt.encode would add a `typ` of its own)."""
    return jws.serialize_compact(header, json.dumps(claims), key, algorithms=[header["alg"]])


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def hmac_signed(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def header_of(token: str) -> dict[str, Any]:
    header = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))))
