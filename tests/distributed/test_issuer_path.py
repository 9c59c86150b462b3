"""README's distributed set-up, step by step, as real processes on 127.0.0.1: for each
administration `cmaa migrate`, `cmaa seed`, its clients and people (`cmaa clients add`,
`cmaa people add`), `cmaa issuer` and `cmaa subgraph` (exchanging audit checkpoints with the
partner's, `--partner-url`); then `cmaa secret cursor`, `cmaa gateway --config gateway.toml`,
a token from each issuer and a first query.

On SQLite always, on PostgreSQL (a throw-away database per administration) when
CMAA_TEST_POSTGRES_URL is set.
"""

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

from gateway.distributed import build_gateway_app, load_gateway_config, verifier_for
from resolvers.contracts.operations import DEFAULT_OPERATIONS_DIR
from tests.auth.support import claims_of, only_form
from tests.browser.support import browser_context, wait_for
from tests.faults.support import Process, cmaa, stop, wait_until_up
from tests.support.databases import STORE_KINDS, throwaway_database
from tests.support.processes import run_cmaa
from tests.support.servers import free_port, running_server
from tests.support.settings import suite_agreement, suite_agreement_file

ADMINISTRATIONS = ("US", "UZ")
DASHBOARD_SCOPES = ("cmaa.cases:read", "cmaa.entities:read")
FIRST_QUERY = (
    "{ viewer { administration } cases(first: 100) { totalCount edges { node { owner } } } }"
)


@dataclass
class Deployment:
    gateway: str
    issuers: dict[str, str]  # administration → issuer (PUBLIC_URL/oauth/us)
    secrets: dict[str, str]  # administration → its dashboard client's secret
    passwords: dict[str, str] = field(default_factory=dict)  # administration → analyst's
    subgraphs: dict[str, str] = field(default_factory=dict)  # administration → base URL

    def token(self, administration: str) -> str:
        answer = httpx.post(
            f"{self.issuers[administration]}/token",
            data={"grant_type": "client_credentials"},
            auth=(f"{administration.lower()}-dashboard", self.secrets[administration]),
            timeout=20.0,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


@contextmanager
def running(logs: Path) -> Iterator[Callable[..., Process]]:
    """Start `cmaa` services, each logging to its own file, with the suite's limits; stop every
    one at the end."""
    started: list[Process] = []
    agreement = {"CMAA_AGREEMENT": str(suite_agreement_file(logs))}

    def start(name: str, *arguments: str) -> Process:
        started.append(cmaa(logs / f"{name}.log", *arguments, env=agreement))
        return started[-1]

    try:
        yield start
    finally:
        for process in started:
            stop(process)


def _secret_from(output: str, label: str) -> str:
    found = re.search(rf"^{label}: (\S+)$", output, re.MULTILINE)
    assert found is not None, output
    return found.group(1)


@pytest.fixture(scope="module", params=STORE_KINDS)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp(f"issuer-path-{request.param}")
    gateway_url = f"http://127.0.0.1:{free_port()}"
    issuer_ports = {a: free_port() for a in ADMINISTRATIONS}
    public = {a: f"http://127.0.0.1:{port}" for a, port in issuer_ports.items()}
    issuers = {a: f"{url}/oauth/{a.lower()}" for a, url in public.items()}
    issuer_jwks = [f"--issuer-jwks={issuers[a]}={issuers[a]}/jwks" for a in ADMINISTRATIONS]
    with (
        throwaway_database(request.param, directory) as us_url,
        throwaway_database(request.param, directory) as uz_url,
        running(directory) as start,
    ):
        databases = {"US": us_url, "UZ": uz_url}
        waiting: dict[str, Process] = {}
        client_secrets: dict[str, str] = {}
        passwords: dict[str, str] = {}
        subgraphs = {a: f"http://127.0.0.1:{free_port()}" for a in ADMINISTRATIONS}
        for administration, url in databases.items():
            store = ("--administration", administration, "--database-url", url)
            run_cmaa("migrate", *store)
            run_cmaa("seed", *store, "--cases", "20", "--quiet")
            scopes = [f"--scope={scope}" for scope in DASHBOARD_SCOPES]
            added = run_cmaa(
                "clients", "add", *store, "--client-id", f"{administration.lower()}-dashboard",
                "--grant-type", "client_credentials", *scopes, "--designated",
            )  # fmt: skip
            client_secrets[administration] = _secret_from(added.stdout, "client_secret")
            run_cmaa(
                "clients", "add", *store, "--client-id", f"{administration.lower()}-graphiql",
                "--public", "--grant-type", "authorization_code", "--every-scope",
                "--redirect-uri", f"{gateway_url}/graphql",
            )  # fmt: skip
            passwords[administration] = secrets.token_urlsafe(16)
            run_cmaa(
                "people", "add", *store, "--username", f"{administration.lower()}.analyst",
                *scopes, "--designated", "--password-stdin",
                stdin=passwords[administration] + "\n",
            )  # fmt: skip
            waiting[f"issuer-{administration}"] = start(
                f"issuer-{administration}", "issuer", *store,
                "--public-url", public[administration], "--port", str(issuer_ports[administration]),
                "--cors-origin", gateway_url,
            )  # fmt: skip
            (partner,) = (a for a in ADMINISTRATIONS if a != administration)
            waiting[f"subgraph-{administration}"] = start(
                f"subgraph-{administration}", "subgraph", *store,
                "--port", str(urlsplit(subgraphs[administration]).port),
                "--partner-url", subgraphs[partner], *issuer_jwks,
            )  # fmt: skip
        run_cmaa("secret", "cursor", "--out", str(directory / "cursor.secret"))
        config = directory / "gateway.toml"
        config.write_text(
            "[gateway]\n"
            f"port = {urlsplit(gateway_url).port}\n"
            f'cursor_secret_file = "{directory / "cursor.secret"}"\n'
            "graphiql = true\n\n"
            "[sources]\n"
            + "".join(f'{a} = "{subgraphs[a]}"\n' for a in ADMINISTRATIONS)
            + "\n[issuers]\n"
            + "".join(f'"{issuers[a]}" = "{issuers[a]}/jwks"\n' for a in ADMINISTRATIONS),
            encoding="utf-8",
        )
        for administration in ADMINISTRATIONS:
            wait_until_up(public[administration], waiting[f"issuer-{administration}"])
            wait_until_up(subgraphs[administration], waiting[f"subgraph-{administration}"])
        wait_until_up(gateway_url, start("gateway", "gateway", "--config", str(config)))
        yield Deployment(gateway_url, issuers, client_secrets, passwords, subgraphs)


def _query(deployment: Deployment, token: str, query: str = FIRST_QUERY) -> dict[str, Any]:
    answer = httpx.post(
        f"{deployment.gateway}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _graphiql_page(deployment: Deployment) -> tuple[httpx.Response, dict[str, Any]]:
    """The gateway's GraphiQL page, and the configuration its script logs people in with."""
    page = httpx.get(f"{deployment.gateway}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    found = re.search(r'<script id="cmaa-config" type="application/json">(.*?)</script>', page.text)
    assert found is not None, page.text
    return page, dict(json.loads(found.group(1)))


@pytest.mark.parametrize("administration", ADMINISTRATIONS)
def test_each_issuer_names_itself_by_its_public_url(
    deployment: Deployment, administration: str
) -> None:
    issuer = deployment.issuers[administration]
    parts = urlsplit(issuer)
    metadata = httpx.get(
        f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{parts.path}"
    ).json()
    assert metadata["issuer"] == issuer
    assert metadata["token_endpoint"] == f"{issuer}/token"
    assert metadata["jwks_uri"] == f"{issuer}/jwks"
    claims = claims_of(deployment.token(administration))
    assert claims["iss"] == issuer
    assert claims["client_id"] == f"{administration.lower()}-dashboard"


@pytest.mark.parametrize("administration", ADMINISTRATIONS)
def test_a_first_query_with_each_issuers_token(deployment: Deployment, administration: str) -> None:
    answer = _query(deployment, deployment.token(administration))
    assert "errors" not in answer, answer
    assert answer["data"]["viewer"] == {"administration": administration}
    owners = {edge["node"]["owner"] for edge in answer["data"]["cases"]["edges"]}
    # Its own cases, and the partner's cases released to it by the seeded exchange.
    assert owners == set(ADMINISTRATIONS)


def test_the_gateway_serves_graphiql_with_login_at_each_issuer(deployment: Deployment) -> None:
    page, config = _graphiql_page(deployment)
    assert config["issuers"] == {a.lower(): deployment.issuers[a] for a in ADMINISTRATIONS}
    assert config["clients"] == {a.lower(): f"{a.lower()}-graphiql" for a in ADMINISTRATIONS}
    # The page may talk to the issuers (another origin each), and to nowhere else.
    connect = re.search(r"connect-src ([^;]*);", page.headers["content-security-policy"])
    assert connect is not None
    origins = {f"{urlsplit(i).scheme}://{urlsplit(i).netloc}" for i in deployment.issuers.values()}
    assert set(connect.group(1).split()) == {"'self'", *origins}
    # The page's script logs in through the shared login module (authorization code + PKCE).
    script = httpx.get(f"{deployment.gateway}/static/graphiql/cmaa-graphiql.js")
    assert script.status_code == 200 and "/static/login/pkce.js" in script.text
    login = httpx.get(f"{deployment.gateway}/static/login/pkce.js")
    assert login.status_code == 200 and "code_challenge" in login.text


@pytest.mark.parametrize("administration", ADMINISTRATIONS)
def test_a_person_signs_in_at_the_issuer_for_graphiql_on_the_gateway(
    deployment: Deployment, administration: str
) -> None:
    """What GraphiQL does in the browser, over HTTP: the authorization code with PKCE at the
    administration's issuer, the code exchanged from the gateway's origin (CORS), a query."""
    _, config = _graphiql_page(deployment)
    issuer = config["issuers"][administration.lower()]
    client_id, redirect_uri = config["clients"][administration.lower()], config["redirectUri"]
    verifier = secrets.token_urlsafe(32)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
            "scope": " ".join(config["scopes"]), "state": "s1", "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )  # fmt: skip
    authorize = f"{issuer}/authorize?{query}"
    origin = f"{urlsplit(issuer).scheme}://{urlsplit(issuer).netloc}"
    with httpx.Client(timeout=30.0, headers={"Origin": origin}) as browser:
        login = only_form(browser.get(authorize).text)
        fields = dict(
            login["fields"],
            username=f"{administration.lower()}.analyst",
            password=deployment.passwords[administration],
        )
        consent = only_form(browser.post(urljoin(authorize, login["action"]), data=fields).text)
        answer = browser.post(
            urljoin(authorize, consent["action"]), data=dict(consent["fields"], decision="approve")
        )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == redirect_uri
    code = parse_qs(back.query)["code"][0]
    assert parse_qs(back.query)["iss"] == [issuer]
    exchanged = httpx.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": client_id, "code_verifier": verifier,
        },
        headers={"Origin": deployment.gateway},
    )  # fmt: skip
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.headers["access-control-allow-origin"] == deployment.gateway
    token = exchanged.json()["access_token"]
    claims = claims_of(token)
    assert claims["sub"] == f"{administration.lower()}.analyst"
    # The page asks for every scope; the person is given those they hold.
    assert set(config["scopes"]) > set(DASHBOARD_SCOPES)
    assert set(claims["scope"].split()) == set(DASHBOARD_SCOPES)
    assert _query(deployment, token)["data"]["viewer"] == {"administration": administration}


def test_the_issuer_refuses_a_browser_of_another_origin(deployment: Deployment) -> None:
    answer = httpx.post(
        f"{deployment.issuers['US']}/token",
        data={"grant_type": "client_credentials"},
        auth=("us-dashboard", deployment.secrets["US"]),
        headers={"Origin": "http://127.0.0.1:9"},
    )
    assert answer.status_code == 403
    assert "access-control-allow-origin" not in answer.headers


def test_a_gateway_toml_in_safelist_mode_without_graphiql(
    deployment: Deployment, tmp_path: Path
) -> None:
    """The same sources and issuers, configured `safelist = true` and `graphiql = false`."""
    config = tmp_path / "gateway.toml"
    config.write_text(
        "[gateway]\nsafelist = true\ngraphiql = false\n\n[sources]\n"
        + "".join(f'{a} = "{deployment.subgraphs[a]}"\n' for a in ADMINISTRATIONS)
        + "\n[issuers]\n"
        + "".join(f'"{i}" = "{i}/jwks"\n' for i in deployment.issuers.values()),
        encoding="utf-8",
    )
    settings = load_gateway_config(config)
    agreement = suite_agreement()
    app = build_gateway_app(settings, agreement, verifier_for(settings, agreement))
    token = deployment.token("UZ")
    listed = (DEFAULT_OPERATIONS_DIR / "Viewer.graphql").read_text(encoding="utf-8")
    with running_server(app) as url:
        refused = httpx.post(
            f"{url}/graphql",
            json={"query": FIRST_QUERY},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
        )
        served = httpx.post(
            f"{url}/graphql",
            json={"query": listed},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
        )
        page = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_IN_SAFELIST"
    assert served.status_code == 200, served.text
    assert served.json()["data"]["viewer"]["administration"] == "UZ"
    assert page.status_code == 405


def test_graphiql_in_a_browser_logs_in_at_another_origin(
    deployment: Deployment, tmp_path: Path
) -> None:
    """Headless Chromium on the gateway's GraphiQL: log in at the US issuer (another origin),
    come back logged in, run the default query. The browser enforces what the HTTP test can
    only simulate: CORS at the issuer, the page's Content-Security-Policy, form-action."""
    csp_violations: list[str] = []
    results: list[dict[str, Any]] = []
    graphiql_url = f"{deployment.gateway}/graphql"
    with browser_context() as context:
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(message.text)
                if "Content Security Policy" in message.text or "CORS" in message.text
                else None
            ),
        )

        def on_response(response: Any) -> None:
            if response.request.method == "POST" and response.url == graphiql_url:
                body = response.json()
                if isinstance(body.get("data"), dict) and "cases" in body["data"]:
                    results.append(body)

        page.on("response", on_response)
        try:
            page.goto(graphiql_url)
            wait_for(page, page.locator(".graphiql-execute-button"), "GraphiQL")
            page.select_option("#cmaa-administration", "us")
            page.click("#cmaa-login")
            wait_for(page, page.locator("#username"), "The US sign-in form")
            assert page.url.startswith(f"{deployment.issuers['US']}/authorize?"), page.url
            page.fill("#username", "us.analyst")
            page.fill("#password", deployment.passwords["US"])
            page.get_by_role("button", name="Sign in").click()
            approve = page.locator('button[name="decision"][value="approve"]')
            wait_for(page, approve.or_(page.locator("#cmaa-bar")), "consent page or GraphiQL")
            if approve.count():
                approve.click()
            wait_for(
                page,
                page.locator("#cmaa-who").filter(has_text="Logged in to US"),
                "Back in GraphiQL, 'Logged in to US'",
            )
            assert page.url == graphiql_url, page.url
            page.locator(
                ".graphiql-query-editor .CodeMirror", has_text="query Dashboard"
            ).wait_for()
            response_pane = page.locator(".graphiql-response")
            response_pane.locator(".CodeMirror").wait_for()
            page.locator(".graphiql-execute-button").click()
            wait_for(page, response_pane.filter(has_text="totalCount"), "The query's result")
        except BaseException:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
    assert results, "no GraphQL response with data was seen"
    assert results[-1]["data"]["viewer"]["administration"] == "US"
    assert results[-1]["data"]["viewer"]["subject"] == "us.analyst"
    assert not csp_violations, csp_violations
