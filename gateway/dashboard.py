"""The analysts' dashboard, served by the gateway itself at /dashboard: plain HTML, CSS and
JavaScript modules (gateway/static/dashboard), no CDN, no framework.

The page speaks only the published operations: it fetches their text from
/dashboard/operations/NAME.graphql, which serves the files of operations/ byte for byte, so a
gateway in safelist mode runs them and there is one source of truth for what the dashboard
sends. People log in as in GraphiQL: authorization code + PKCE at their own administration's
issuer, the token kept in the page's memory only.
"""

import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.graphiql import NAMES
from gateway.http.hardening import SECURITY_HEADERS
from resolvers.contracts.operations import DEFAULT_OPERATIONS_DIR, load_operations
from store.agreement import Agreement, Ground
from store.models.domain import Administration

DASHBOARD_PATH = "/dashboard"
STATIC = Path(__file__).parent / "static" / "dashboard"
ASSETS = "/static/dashboard"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CMAA exchange — dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/dashboard.css">
</head>
<body>
<a class="skip" href="#view">Skip to content</a>
<header id="bar">
  <strong class="brand">CMAA exchange</strong>
  <label>Administration
    <select id="administration">{options}</select>
  </label>
  <button id="login" type="button">Log in</button>
  <button id="logout" type="button" hidden>Log out</button>
  <span id="who" role="status">Not logged in</span>
</header>
<nav id="nav" aria-label="Views" hidden>
  <a href="#cases">Cases</a>
  <a href="#requests">Requests</a>
  <a href="#releases">Releases</a>
  <a href="#consents">Consents</a>
  <a href="#audit">Audit</a>
</nav>
<main id="view" tabindex="-1">
  <p>Log in with your own administration to see the exchange.</p>
</main>
<script id="dashboard-config" type="application/json">{config}</script>
<script type="module" src="{assets}/app.js"></script>
</body>
</html>
"""


@dataclass(frozen=True)
class DashboardLogin:
    """Where each administration's people log in: its issuer and the dashboard's public
    client there (authorization code + PKCE, redirect URI PUBLIC_URL/dashboard)."""

    issuers: dict[Administration, str]
    client_ids: dict[Administration, str]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(login: DashboardLogin) -> str:
    """The gateway's policy, with the issuers' origins added to connect-src: the page reads
    their metadata and exchanges the code at their token endpoint itself."""
    policy = dict(SECURITY_HEADERS)[b"content-security-policy"].decode()
    origins = " ".join(sorted({_origin(url) for url in login.issuers.values()}))
    return policy.replace("connect-src 'self'", f"connect-src 'self' {origins}")


def _grounds(grounds: tuple[Ground, ...]) -> list[dict[str, str]]:
    return [{"id": g.id, "clause": g.clause, "summary": g.summary} for g in grounds]


def dashboard_config(
    login: DashboardLogin, endpoint_url: str, agreement: Agreement
) -> dict[str, Any]:
    """What the page needs before it has a token: where to log in, and the parts of the
    agreement its forms offer (the grounds of a decision, the uses a release may permit)."""
    return {
        "endpoint": endpoint_url,
        "operations": DASHBOARD_PATH + "/operations/",
        "issuers": {a.value.lower(): url for a, url in login.issuers.items()},
        "clients": {a.value.lower(): client for a, client in login.client_ids.items()},
        "scopes": list(agreement.scopes),
        "names": {a.value: NAMES[a] for a in NAMES},
        "grounds": {
            "REFUSE": _grounds(agreement.refusal_grounds),
            "POSTPONE": _grounds(agreement.postponement_grounds),
            "ACCEPT_WITH_CONDITIONS": _grounds(agreement.condition_grounds),
        },
        "uses": {
            use.value: {"consentRequired": policy.consent_required, "clause": policy.clause}
            for use, policy in agreement.uses.items()
        },
    }


def dashboard_page(
    login: DashboardLogin, endpoint_url: str, agreement: Agreement
) -> Callable[[Request], Awaitable[Response]]:
    config = dashboard_config(login, endpoint_url, agreement)
    # JSON inside <script type="application/json">: "</" must not close the element.
    config_text = json.dumps(config).replace("</", "<\\/")
    options = "".join(
        f'<option value="{a.value.lower()}">{html.escape(NAMES[a])}</option>' for a in login.issuers
    )
    body = PAGE.format(assets=ASSETS, options=options, config=config_text)
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": content_security_policy(login),
    }

    async def page(_request: Request) -> Response:
        return HTMLResponse(body, headers=headers)

    return page


def operation_texts(
    directory: Path = DEFAULT_OPERATIONS_DIR,
) -> Callable[[Request], Awaitable[Response]]:
    """Each published operation's file, exactly as stored (its SHA-256 is its safelist id);
    read once, so the page and the safelist cannot drift apart while the gateway runs."""
    texts = {operation.name: operation.body for operation in load_operations(directory)}

    async def operation(request: Request) -> Response:
        text = texts.get(request.path_params["name"])
        if text is None:
            return PlainTextResponse("No such operation.", status_code=404)
        return PlainTextResponse(
            text, media_type="application/graphql", headers={"Cache-Control": "no-cache"}
        )

    return operation


def dashboard_routes(
    login: DashboardLogin,
    endpoint_url: str,
    agreement: Agreement,
    operations_dir: Path = DEFAULT_OPERATIONS_DIR,
) -> list[BaseRoute]:
    return [
        Route(DASHBOARD_PATH, dashboard_page(login, endpoint_url, agreement), methods=["GET"]),
        Route(
            DASHBOARD_PATH + "/operations/{name}.graphql",
            operation_texts(operations_dir),
            methods=["GET"],
        ),
        Mount(ASSETS, app=StaticFiles(directory=STATIC), name="dashboard-assets"),
    ]
