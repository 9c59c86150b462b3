"""The analysts' dashboard as two administrations' people use it: headless Chromium (Debian's)
logs a US and a UZ workflow person in, each in their own browser context, and walks the
agreement's procedure through the dashboard's views alone:

UZ submits a request about a US matter → US accepts it and responds with a release → UZ sees
the case with its handling conditions → US revokes the release → UZ no longer sees the case →
US's audit view shows UZ's read.

Every request either page makes goes to the loopback server, every operation it sends is one
of operations/ as published (so a gateway in safelist mode runs it), every control of every view
has a label, and a screenshot of each view is kept in the test's temporary directory.
"""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from resolvers.contracts.operations import load_operations
from tests.browser.support import (
    LOOPBACK,
    TIMEOUT_MS,
    BrowserDemo,
    foreign,
    launched_chromium,
)

PUBLISHED = {operation.body for operation in load_operations()}
# Every form control the page shows, without a label a screen reader could read out.
UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea, button"))
    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
        && !(e.tagName === "BUTTON" && e.textContent.trim()))
    .map((e) => e.outerHTML.slice(0, 120))"""


class Person:
    """One person's page in their own browser context, and what it saw go wrong."""

    def __init__(self, browser: Any, demo: BrowserDemo, username: str, shots: Path) -> None:
        self.demo, self.username, self.shots = demo, username, shots
        self.administration = username.split(".")[0]
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.page_errors: list[str] = []
        self.operations: list[str] = []
        self.context.on("request", self._record)
        self.context.route(foreign, self._refuse)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _record(self, request: Any) -> None:
        self.requests.append(request.url)
        if request.method == "POST" and urlsplit(request.url).path == "/graphql":
            self.operations.append(request.post_data_json["query"])

    def _refuse(self, route: Any) -> None:
        self.refused.append(route.request.url)
        route.abort("blockedbyclient")

    def wait_for(self, locator: Any, what: str) -> Any:
        try:
            locator.first.wait_for()
        except Exception as error:
            shown = self.page.locator("body").inner_text()[:1500]
            self.shot("failure")
            raise AssertionError(
                f"{self.username}: {what} did not appear; shows:\n{shown}"
            ) from error
        return locator

    def shot(self, name: str) -> None:
        unlabelled = self.page.evaluate(UNLABELLED)
        assert not unlabelled, f"{self.username}: controls without a label in {name}: {unlabelled}"
        self.page.screenshot(
            path=str(self.shots / f"{self.administration}-{name}.png"), full_page=True
        )

    def log_in(self) -> None:
        user = self.demo.user(self.username)
        page = self.page
        page.goto(f"{self.demo.base_url}/dashboard")
        page.get_by_label("Administration").select_option(self.administration)
        page.get_by_role("button", name="Log in").click()
        self.wait_for(page.locator("#username"), "the sign-in form")
        page.fill("#username", user["username"])
        page.fill("#password", user["password"])
        page.get_by_role("button", name="Sign in").click()
        approve = page.locator('button[name="decision"][value="approve"]')
        self.wait_for(approve.or_(page.locator("#nav")), "the consent page or the dashboard")
        if approve.count():
            approve.click()
        self.wait_for(page.locator("#who", has_text=user["username"]), "the logged-in person")
        assert urlsplit(page.url).path == "/dashboard", page.url
        assert "code=" not in page.url

    def view(self, name: str) -> None:
        # By keyboard, as a person who does not use a mouse would.
        self.page.get_by_role("navigation", name="Views").get_by_role("link", name=name).focus()
        self.page.keyboard.press("Enter")
        self.wait_for(self.page.locator("main h2", has_text=name.rstrip("s")), f"the {name} view")

    def search_cases(self, text: str, owner: str = "") -> Any:
        self.view("Cases")
        filters = self.page.get_by_role("form", name="Case filters")
        filters.get_by_label("Text").fill(text)
        filters.get_by_label("Owner").select_option(owner)
        with self.page.expect_response(lambda r: urlsplit(r.url).path == "/graphql"):
            filters.get_by_label("Text").press("Enter")
        found = self.page.locator("#case-results p", has_text=re.compile(r"^\d+ cases?$"))
        return self.wait_for(found, "results")

    def request_row(self, reference: str) -> Any:
        return self.page.locator(f'tr[data-reference="{reference}"]')

    def check(self) -> None:
        assert self.requests, f"{self.username}: no request was recorded"
        assert not self.refused, f"requests to hosts other than {LOOPBACK}: {self.refused}"
        assert not [url for url in self.requests if foreign(url)], self.requests
        assert not self.page_errors, self.page_errors
        assert self.operations, f"{self.username}: no operation was sent"
        unpublished = [query[:80] for query in self.operations if query not in PUBLISHED]
        assert not unpublished, f"operations not in operations/: {unpublished}"


def _unreleased_us_case(us: Person, uz: Person) -> str:
    """A US case UZ cannot see yet, picked in US's case list (own cases) and looked for by UZ."""
    us.search_cases("", us.administration.upper())
    references = us.page.locator("#case-results tbody tr td:nth-child(2)").all_inner_texts()
    assert references, "US sees no case of its own"
    for reference in references:
        count = uz.search_cases(reference).inner_text()
        if count.startswith("0 "):
            return reference
    raise AssertionError("every US case in the first page is already released to UZ")


def test_the_request_procedure_through_the_dashboard(
    chromium_executable: Path, browser_demo: BrowserDemo, tmp_path: Path
) -> None:
    with launched_chromium(chromium_executable) as browser:
        us = Person(browser, browser_demo, "us.analyst", tmp_path)
        uz = Person(browser, browser_demo, "uz.analyst", tmp_path)
        _walk(us, uz)
        us.check()
        uz.check()


def _walk(us: Person, uz: Person) -> None:
    us.log_in()
    uz.log_in()
    # By keyboard: the skip link takes the focus to the view, and the view stays.
    us.page.locator(".skip").focus()
    us.page.keyboard.press("Enter")
    assert us.page.evaluate("document.activeElement.id") == "view"
    assert "#view" not in us.page.url
    us.shot("cases")
    reference = _unreleased_us_case(us, uz)

    # UZ: an incomplete request is refused with the agreement's reason, not raw JSON.
    uz.view("Requests")
    uz.page.locator("summary", has_text="Submit a request to US").press("Enter")
    form = uz.page.get_by_role("form", name="Submit a request for assistance")
    form.get_by_label("Matter").fill(f"Undervalued shipments, US case {reference}")
    form.get_by_role("button", name="Submit request").click()
    refusal = uz.wait_for(form.locator(".refusal"), "the refusal of an incomplete request")
    shown = refusal.inner_text()
    assert "BAD_USER_INPUT" in shown and "REQUEST_FORM" in shown, shown
    assert "{" not in shown, shown

    # UZ submits the complete request about the US matter.
    form.get_by_label("Type of assistance").select_option("DOCUMENTS")
    form.get_by_label("Brief description of the case").fill(
        "Textiles declared far below their value, shipped through a US consolidator."
    )
    form.get_by_label("Legal provisions involved").fill("Customs Code of Uzbekistan, art. 230")
    form.get_by_label("Reasons").fill(f"The US case {reference} names the same consignor.")
    form.get_by_label("Persons concerned").fill("Nazarov Islom; Tashkent")
    form.get_by_label("Made orally").check()
    form.get_by_role("button", name="Submit request").click()
    submitted = uz.wait_for(form.locator(".done"), "the submitted request").inner_text()
    request = submitted.split()[1]
    row = uz.wait_for(uz.request_row(request).filter(has_text="Submitted"), "the outgoing request")
    assert "not yet confirmed" in row.inner_text()
    uz.shot("requests")
    # The oral request is confirmed in writing.
    row.get_by_role("button", name="Confirm in writing").click()
    uz.wait_for(uz.request_row(request).filter(has_text="oral, confirmed"), "the confirmation")

    # US accepts it, then responds by releasing the case.
    us.view("Requests")
    row = us.wait_for(us.request_row(request).filter(has_text="Incoming"), "the incoming request")
    row.locator("summary", has_text="Decide").click()
    # A refusal needs one of the agreement's grounds: without one, the agreement's rule says no.
    row.get_by_label("Decision").select_option("REFUSE")
    row.get_by_role("button", name="Decide").click()
    shown = us.wait_for(row.locator(".refusal"), "the refusal of a groundless refusal")
    assert "GROUNDS_AND_REASONS" in shown.inner_text(), shown.inner_text()
    assert "{" not in shown.inner_text(), shown.inner_text()
    us.shot("decide")
    row.get_by_label("Decision").select_option("ACCEPT")
    row.get_by_role("button", name="Decide").click()
    row = us.wait_for(us.request_row(request).filter(has_text="Accepted"), "the accepted request")
    row.locator("summary", has_text="Respond with a release").click()
    row.get_by_label("Case reference to release").fill(reference)
    us.shot("respond")
    row.get_by_role("button", name="Release and respond").click()
    us.wait_for(us.request_row(request).filter(has_text="Answered"), "the answered request")

    # UZ now sees the case, with the owner's handling conditions in plain words.
    assert uz.search_cases(reference).inner_text().startswith("1 "), "UZ does not see the case"
    uz.shot("cases")
    uz.page.get_by_role("link", name=reference).click()
    handling = uz.wait_for(uz.page.get_by_role("region", name="Handling conditions"), "handling")
    words = handling.inner_text()
    assert f"in answer to request {request}" in words, words
    assert "You may use it for:" in words and "prior written consent" in words, words
    assert "expires on" in words, words
    case_url = uz.page.url
    uz.shot("case-detail")

    # UZ asks US's consent to use the case in criminal proceedings; US grants it; UZ's page of
    # the case then says so.
    uz.page.get_by_role("link", name="Ask the owner's consent for a use of this case").click()
    ask = uz.wait_for(uz.page.get_by_role("form", name="Ask the owner's consent"), "consent form")
    ask.get_by_label("Use").select_option("JUDICIAL_CRIMINAL")
    ask.get_by_label("Purpose").fill("Prosecution of the consignor in Tashkent")
    uz.shot("consents")
    ask.get_by_role("button", name="Ask consent").click()
    consent = uz.wait_for(ask.locator(".done code.consent-id"), "the consent request").inner_text()
    us.view("Consents")
    decide = us.page.get_by_role("form", name="Decide a consent request")
    decide.get_by_label("Consent request id").fill(consent)
    decide.get_by_label("Decision").select_option("true")
    decide.get_by_role("button", name="Decide").click()
    us.wait_for(decide.locator(".done", has_text="Granted"), "the granted consent")
    us.shot("consents")
    uz.page.goto(case_url)
    granted = uz.wait_for(uz.page.get_by_role("region", name="Handling conditions"), "handling")
    uz.wait_for(granted.get_by_text("criminal judicial proceedings", exact=False), "consent")
    assert "Consent granted on" in granted.inner_text(), granted.inner_text()

    # US: the release covers the case; US revokes it.
    us.view("Releases")
    release = us.wait_for(us.page.locator(f'tr[data-request="{request}"]'), "the release")
    assert reference in release.locator("a").all_inner_texts(), release.inner_text()
    us.shot("releases")
    release.locator("summary", has_text="Revoke").click()
    release.get_by_label("Reason for revoking").fill("Proceedings opened; withdrawn")
    release.get_by_role("button", name="Revoke").click()
    us.wait_for(
        us.page.locator(f'tr[data-request="{request}"] .badge.revoked'), "the revoked release"
    )

    # UZ no longer sees it: not in the list, and its page says nothing but "not visible".
    assert uz.search_cases(reference).inner_text().startswith("0 "), "UZ still sees the case"
    uz.page.goto(case_url)
    uz.wait_for(uz.page.locator("main .refusal"), "the case's absence")
    assert reference not in uz.page.locator("main").inner_text()
    uz.shot("case-after-revoke")

    # US's audit view shows UZ's read of the case.
    us.search_cases(reference, "US")
    us.page.get_by_role("link", name=reference).click()
    us.page.get_by_role("link", name="Who of the partner read this case").click()
    reads = us.wait_for(
        us.page.locator("main tbody tr", has_text="uz.analyst").filter(has_text="case"),
        "UZ's read in the audit view",
    )
    assert reads.count() >= 1
    chart = us.wait_for(us.page.get_by_role("img", name="UZ reads of our records per day"), "chart")
    # UZ read the case at least twice (its list, its page) today, and the chart counts them.
    label = chart.get_attribute("aria-label")
    assert re.search(r": ([2-9]|\d\d+) in all$", label), label
    us.shot("audit")


def test_the_dashboard_page_and_its_operations(browser_demo: BrowserDemo) -> None:
    """The page loads nothing inline (the CSP allows none) and the operation texts it fetches
    are the published files byte for byte; nothing else is served under that path."""
    base = browser_demo.base_url
    page = httpx.get(f"{base}/dashboard", timeout=10)
    assert page.status_code == 200
    assert 'type="module" src="/static/dashboard/app.js"' in page.text
    assert "<script>" not in page.text
    assert "us-dashboard-web" in page.text and "uz-dashboard-web" in page.text
    for operation in load_operations():
        served = httpx.get(f"{base}/dashboard/operations/{operation.name}.graphql", timeout=10)
        assert served.status_code == 200, operation.name
        assert served.content == operation.file.read_bytes(), operation.name
    for name in ("Nope", "..%2Fpyproject", "CaseList.graphql%00"):
        missing = httpx.get(f"{base}/dashboard/operations/{name}.graphql", timeout=10)
        assert missing.status_code == 404, (name, missing.status_code)
        assert "query" not in missing.text
    for path in ("dashboard/app.js", "login/pkce.js"):
        script = httpx.get(f"{base}/static/{path}", timeout=10)
        assert script.status_code == 200, path
        assert "javascript" in script.headers["content-type"], path
