"""GraphiQL for people, served by the gateway itself: no CDN, no token in localStorage.

The assets in gateway/static/graphiql are the npm packages graphiql 3.8.3, react 18.3.1 and
react-dom 18.3.1 (see VENDOR.md there for how they were taken from the registry and checked).
"""

import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from gateway.http.hardening import content_security_policy
from store.models.domain import Administration

STATIC = Path(__file__).parent / "static" / "graphiql"
ASSETS = "/static/graphiql"
# The login both GraphiQL and the dashboard use (authorization code + PKCE), a JS module.
LOGIN_STATIC = Path(__file__).parent / "static" / "login"
LOGIN_ASSETS = "/static/login"

DEFAULT_QUERY = """# Log in above, then run this (Ctrl-Enter).
query Dashboard {
  viewer { administration subject designated }
  cases(first: 5) {
    totalCount
    edges {
      node {
        reference title status owner offenceTypes openedAt
        handling { marking tlp releasedUnder { purpose } }
      }
    }
  }
}
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CMAA exchange — GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/graphiql.min.css">
<link rel="stylesheet" href="{assets}/cmaa.css">
</head>
<body>
<header id="cmaa-bar">
  <strong>CMAA exchange</strong>
  <label>Administration
    <select id="cmaa-administration">{options}</select>
  </label>
  <button id="cmaa-login" type="button">Log in</button>
  <button id="cmaa-logout" type="button" hidden>Log out</button>
  <span id="cmaa-who">Not logged in</span>
</header>
<div id="graphiql">Loading…</div>
<script id="cmaa-config" type="application/json">{config}</script>
<script src="{assets}/react.production.min.js"></script>
<script src="{assets}/react-dom.production.min.js"></script>
<script src="{assets}/graphiql.min.js"></script>
<script type="module" src="{assets}/cmaa-graphiql.js"></script>
</body>
</html>
"""

NAMES = {Administration.US: "United States (CBP, ICE)", Administration.UZ: "Uzbekistan (SCC)"}


@dataclass(frozen=True)
class GraphiQLLogin:
    """Where people log in: each administration's issuer and GraphiQL's public client there."""

    issuers: dict[Administration, str]
    client_ids: dict[Administration, str]
    scopes: tuple[str, ...]


def graphiql_page(
    login: GraphiQLLogin, endpoint_url: str
) -> Callable[[Request], Awaitable[Response]]:
    config = {
        "endpoint": endpoint_url,
        "redirectUri": endpoint_url,
        "issuers": {a.value.lower(): url for a, url in login.issuers.items()},
        "clients": {a.value.lower(): client for a, client in login.client_ids.items()},
        "scopes": list(login.scopes),
        "defaultQuery": DEFAULT_QUERY,
    }
    # JSON inside <script type="application/json">: "</" must not close the element.
    config_text = json.dumps(config).replace("</", "<\\/")
    options = "".join(
        f'<option value="{a.value.lower()}">{html.escape(NAMES[a])}</option>' for a in login.issuers
    )
    body = PAGE.format(assets=ASSETS, options=options, config=config_text)
    # The page reads each issuer's metadata and calls its token endpoint: where the issuers
    # live on other origins (the distributed set-up), the page may connect there, nowhere else.
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": content_security_policy(
            origin for origin in map(_origin, login.issuers.values()) if origin
        ),
    }

    async def page(_request: Request) -> Response:
        return HTMLResponse(body, headers=headers)

    return page


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def graphiql_assets() -> BaseRoute:
    return Mount(ASSETS, app=StaticFiles(directory=STATIC), name="graphiql-assets")


def login_assets() -> BaseRoute:
    """The login module the browser pages import; mounted once by whoever serves a page."""
    return Mount(LOGIN_ASSETS, app=StaticFiles(directory=LOGIN_STATIC), name="login-assets")
