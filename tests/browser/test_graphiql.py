"""GraphiQL as a person uses it: headless Chromium (Debian's) opens the demo's GraphiQL, logs
in to the UZ administration through its authorization server, runs the default query, reads
the result and logs out, without a single request to a host other than the loopback server.

Needs /usr/bin/chromium and the playwright package: `.ci/install-browser` installs both.
Playwright drives that browser; it never downloads one of its own.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.browser.support import BrowserDemo, browser_context, wait_for

PKCE_KEY = "cmaa.pkce"
LOOPBACK = "127.0.0.1"
# URLs that never leave the page.
LOCAL_SCHEMES = {"data", "blob", "about"}


def _foreign(url: str) -> bool:
    """A request that would leave the machine: anything not for the loopback server."""
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != LOOPBACK


def _storage(page: Any, name: str) -> dict[str, str]:
    """Every key and value of window.localStorage or window.sessionStorage."""
    return dict(
        page.evaluate(
            """(name) => {
                const store = window[name];
                const items = {};
                for (let i = 0; i < store.length; i++) {
                    const key = store.key(i);
                    items[key] = store.getItem(key);
                }
                return items;
            }""",
            name,
        )
    )


def test_login_and_query_through_graphiql(browser_demo: BrowserDemo, tmp_path: Path) -> None:
    with browser_context() as context:
        _login_and_query(context, browser_demo, tmp_path)


def _login_and_query(context: Any, browser_demo: BrowserDemo, tmp_path: Path) -> None:
    requests: list[str] = []
    refused: list[str] = []
    csp_violations: list[str] = []
    page_errors: list[str] = []
    tokens: list[str] = []
    results: list[dict[str, Any]] = []

    context.on("request", lambda request: requests.append(request.url))

    def refuse(route: Any) -> None:
        # Recorded, then refused at once rather than left waiting on a host that cannot answer.
        refused.append(route.request.url)
        route.abort("blockedbyclient")

    context.route(_foreign, refuse)

    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            csp_violations.append(message.text)

    def on_response(response: Any) -> None:
        if response.request.method != "POST" or response.status != 200:
            return
        path = urlsplit(response.url).path
        if path == "/oauth/uz/token":
            tokens.append(response.json()["access_token"])
        elif path == "/graphql":
            body = response.json()
            if isinstance(body.get("data"), dict) and "cases" in body["data"]:
                results.append(body)

    page.on("console", on_console)
    page.on("response", on_response)
    user = browser_demo.user("uz.analyst")
    graphiql_url = f"{browser_demo.base_url}/graphql"

    try:
        page.goto(graphiql_url)
        wait_for(page, page.locator(".graphiql-execute-button"), "GraphiQL")
        assert page.locator("#cmaa-who").inner_text() == "Not logged in"

        # Log in to the UZ administration: its sign-in page, then its consent page if asked.
        page.select_option("#cmaa-administration", "uz")
        page.click("#cmaa-login")
        wait_for(page, page.locator("#username"), "The UZ sign-in form")
        assert urlsplit(page.url).path == "/oauth/uz/authorize", page.url
        assert PKCE_KEY in _storage(page, "sessionStorage"), "no PKCE verifier kept for login"
        page.fill("#username", user["username"])
        page.fill("#password", user["password"])
        page.get_by_role("button", name="Sign in").click()
        approve = page.locator('button[name="decision"][value="approve"]')
        wait_for(
            page,
            approve.or_(page.locator("#cmaa-bar")),
            "After signing in, the consent page or GraphiQL",
        )
        if approve.count():
            approve.click()

        # Back in GraphiQL, logged in; the code is gone from the address bar.
        wait_for(
            page,
            page.locator("#cmaa-who").filter(has_text="Logged in to UZ"),
            "Back in GraphiQL, 'Logged in to UZ'",
        )
        assert page.url == graphiql_url, page.url
        assert page.locator("#cmaa-logout").is_visible()
        assert not page.locator("#cmaa-login").is_visible()
        assert len(tokens) == 1, f"expected one token exchange, saw {len(tokens)}"
        token = tokens[0]

        # GraphiQL read the schema with the token: the docs explorer shows the root types.
        page.get_by_role("button", name="Show Documentation Explorer").click()
        explorer = page.locator(".graphiql-doc-explorer")
        wait_for(
            page,
            explorer.locator(".graphiql-doc-explorer-root-type", has_text="query"),
            "The schema in the documentation explorer",
        )
        page.get_by_role("button", name="Hide Documentation Explorer").click()

        # Run the default query with GraphiQL's run button once both editors are up (the
        # button does nothing before), then read the result in the response pane.
        page.locator(".graphiql-query-editor .CodeMirror", has_text="query Dashboard").wait_for()
        response_pane = page.locator(".graphiql-response")
        response_pane.locator(".CodeMirror").wait_for()
        page.locator(".graphiql-execute-button").click()
        wait_for(page, response_pane.filter(has_text="totalCount"), "The query's result")
        assert results, "GraphiQL showed a result, but no GraphQL response with data was seen"
        data = results[-1]["data"]
        assert data["viewer"]["administration"] == "UZ"
        assert data["viewer"]["subject"] == user["username"]
        edges = data["cases"]["edges"]
        assert edges, results[-1]
        first_reference = edges[0]["node"]["reference"]
        wait_for(page, response_pane.filter(has_text=first_reference), first_reference)
        shown = response_pane.inner_text()
        assert f'"totalCount": {data["cases"]["totalCount"]}' in shown, shown
        assert '"errors"' not in shown, shown
        page.screenshot(path=str(tmp_path / "graphiql-result.png"))

        # The token lives in the page's memory only; the PKCE verifier is gone after login.
        for key, value in _storage(page, "localStorage").items():
            for text in (key, value or ""):
                assert token not in text, f"the access token is in localStorage[{key!r}]"
                assert "eyJ" not in text, f"a JWT-like value is in localStorage[{key!r}]"
        session = _storage(page, "sessionStorage")
        assert PKCE_KEY not in session, "the PKCE verifier stayed in sessionStorage"
        for key, value in session.items():
            assert token not in f"{key}{value}", f"the access token is in sessionStorage[{key!r}]"

        # Logging out revokes the token: the gateway refuses it, GraphiQL asks for a login.
        with page.expect_response(lambda r: urlsplit(r.url).path == "/oauth/uz/revoke") as done:
            page.click("#cmaa-logout")
        assert done.value.status == 200, done.value.text()
        wait_for(page, page.locator("#cmaa-who", has_text="Not logged in"), "'Not logged in'")
        assert page.locator("#cmaa-login").is_visible()
        refused_token = httpx.post(
            graphiql_url,
            json={"query": "{ viewer { administration } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert refused_token.status_code == 401, refused_token.text
        page.locator(".graphiql-query-editor .CodeMirror").wait_for()
        page.locator(".graphiql-execute-button").click()
        wait_for(page, response_pane.filter(has_text="Log in first"), "'Log in first'")
    except BaseException:
        page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        raise

    assert requests, "no request was recorded"
    assert not refused, f"requests to hosts other than {LOOPBACK}: {refused}"
    assert not [url for url in requests if _foreign(url)], requests
    assert not csp_violations, csp_violations
    assert not page_errors, page_errors
