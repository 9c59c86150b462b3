"""One administration's authorization server over HTTP (Starlette routes).

Mounted at its issuer's path (e.g. /oauth/us), with its RFC 8414 metadata at
/.well-known/oauth-authorization-server/<issuer path>. Each handler reads the body
asynchronously, opens the request's one session, runs the synchronous Authlib call in a worker
thread (password hashing and signing happen there too), and commits once if it succeeded.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from auth.keys import ensure_signing_key
from auth.passwords import verify_secret
from auth.policy.scopes import parse_scope
from auth.revocations import StoreRevocations
from auth.server import pages
from auth.server.authorization_server import AdministrationAuthorizationServer
from auth.server.forms import COOKIE_SECONDS, FormGuard, request_digest
from auth.server.metadata import (
    AUTHORIZE_PATH,
    INTROSPECT_PATH,
    JWKS_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    issuer_path,
    server_metadata,
    well_known_path,
)
from auth.server.models import Person, RegisteredClient
from auth.server.records import IdentityRecords, bound, current_records, on_event_loop
from auth.server.requests import FormError, Pairs, Parameters, StarletteOAuth2Request, read_form
from auth.verification import IssuerKeys, IssuerTrust, StoreKeySource, TokenVerifier
from store.agreement import Agreement
from store.database import session_factory
from store.migrate import store_administration
from store.models.domain import Administration

T = TypeVar("T")

# Reading its own store is cheap: a freshly rotated key is picked up within a second.
OWN_KEYS_REFRESH_SECONDS = 1.0


@dataclass
class Step:
    response: Response
    commit: bool = False


class AuthorizationService:
    """The authorization server of one administration: its issuer, its store, its routes."""

    def __init__(
        self,
        *,
        administration: Administration,
        issuer: str,
        engine: AsyncEngine,
        agreement: Agreement,
        revocations: StoreRevocations | None = None,
        form_key: bytes | None = None,
    ) -> None:
        """`form_key`: the login forms' HMAC key, the same in every process serving this
        issuer; a key of this process's own when not given."""
        self.administration = administration
        self.issuer = issuer.rstrip("/")
        self.engine = engine
        self.agreement = agreement
        self.revocations = revocations or StoreRevocations(engine)
        self.key_source = StoreKeySource(engine, agreement)
        self.own_tokens = TokenVerifier(
            [
                IssuerTrust(
                    issuer=self.issuer,
                    administration=administration,
                    keys=IssuerKeys(self.key_source, refresh_interval=OWN_KEYS_REFRESH_SECONDS),
                    revocations=self.revocations,
                )
            ],
            audience=agreement.tokens.audience,
            leeway_seconds=agreement.tokens.leeway_seconds,
            known_scopes=agreement.scopes,
        )
        self.server = AdministrationAuthorizationServer(
            administration=administration,
            issuer=self.issuer,
            agreement=agreement,
            own_tokens=self.own_tokens,
            revocations=self.revocations,
        )
        self.metadata = server_metadata(self.issuer, agreement.scopes)
        self._sessions = session_factory(engine)
        self._guard = FormGuard(key=form_key)
        self._path = issuer_path(self.issuer)
        self._cookie = f"cmaa_oauth_{administration.value.lower()}"
        self._secure = self.issuer.startswith("https://")

    def routes(self) -> list[BaseRoute]:
        return [
            Route(well_known_path(self.issuer), self.server_metadata, methods=["GET"]),
            Mount(
                self._path,
                routes=[
                    Route(AUTHORIZE_PATH, self.authorize, methods=["GET", "POST"]),
                    Route(TOKEN_PATH, self.token, methods=["POST"]),
                    Route(INTROSPECT_PATH, self.introspect, methods=["POST"]),
                    Route(REVOKE_PATH, self.revoke, methods=["POST"]),
                    Route(JWKS_PATH, self.jwks, methods=["GET"]),
                ],
            ),
        ]

    async def startup(self) -> None:
        """Refuse another administration's store; make sure there is a key to sign with."""
        owner = await store_administration(self.engine)
        if owner is not self.administration:
            raise RuntimeError(
                f"the {self.administration.value} authorization server was given "
                f"{'an unprepared store' if owner is None else f'the {owner.value} store'}"
            )
        async with self._sessions() as session:
            await ensure_signing_key(session)

    # -- plain documents ---------------------------------------------------------------------

    async def server_metadata(self, request: Request) -> Response:
        return JSONResponse(self.metadata, headers={"Cache-Control": "public, max-age=300"})

    async def jwks(self, request: Request) -> Response:
        document = await self.key_source.fetch_jwks()
        return JSONResponse(dict(document), headers={"Cache-Control": "public, max-age=60"})

    # -- token, introspection, revocation ------------------------------------------------------

    async def token(self, request: Request) -> Response:
        return await self._token_endpoint(request, self.server.create_token_response)

    async def introspect(self, request: Request) -> Response:
        return await self._token_endpoint(
            request, lambda oauth: self.server.create_endpoint_response("introspection", oauth)
        )

    async def revoke(self, request: Request) -> Response:
        return await self._token_endpoint(
            request, lambda oauth: self.server.create_endpoint_response("revocation", oauth)
        )

    async def _token_endpoint(
        self, request: Request, respond: Callable[[StarletteOAuth2Request], Response]
    ) -> Response:
        try:
            form = await read_form(request)
        except FormError as problem:
            return self._oauth_error(InvalidRequestError(problem.description), problem.status_code)
        if Parameters(form).repeated():
            return self._oauth_error(InvalidRequestError("A parameter is repeated."))
        try:
            oauth_request = StarletteOAuth2Request(request, payload=form, form=form)
        except OAuth2Error as error:
            return self._oauth_error(error)
        async with self._sessions() as session:
            records = IdentityRecords(session)
            response = await self._in_thread(records, respond, oauth_request)
            if response.status_code == 200:
                await records.commit()
        return response

    def _oauth_error(self, error: OAuth2Error, status_code: int | None = None) -> Response:
        if status_code is not None:
            error.status_code = status_code
        return self.server.handle_response(*error())

    async def _in_thread(
        self, records: IdentityRecords, function: Callable[..., T], *args: Any
    ) -> T:
        def call() -> T:
            with bound(records):
                return function(*args)

        return await anyio.to_thread.run_sync(call)

    # -- authorization (sign-in and consent) ---------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        query: Pairs = list(request.query_params.multi_items())
        form: Pairs = []
        if request.method == "POST":
            try:
                form = await read_form(request)
            except FormError as problem:
                return pages.error_page(problem.status_code, problem.description)
        try:
            oauth_request = StarletteOAuth2Request(request, payload=query, form=form)
        except OAuth2Error as error:
            return pages.error_page(400, error.description or str(error.error))
        cookie = request.cookies.get(self._cookie)
        action = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        async with self._sessions() as session:
            records = IdentityRecords(session)
            step = await self._in_thread(
                records, self._authorization_step, oauth_request, query, cookie, action
            )
            if step.commit:
                await records.commit()
        return step.response

    def _authorization_step(
        self, oauth_request: StarletteOAuth2Request, query: Pairs, cookie: str | None, action: str
    ) -> Step:
        try:
            grant = self.server.get_consent_grant(oauth_request, end_user=None)
        except OAuth2Error as error:
            return Step(self._authorization_error(oauth_request, error))
        client: RegisteredClient = oauth_request.client
        new_cookie = None if cookie else FormGuard.new_cookie()
        context = pages.AuthorizationContext(
            administration_name=self.agreement.parties[self.administration].name,
            client_id=client.client_id,
            client_description=client.row.description,
            scopes=parse_scope(oauth_request.scope),
            catalogue=self.agreement.scopes,
            action=action,
            csrf_token=self._guard.csrf_token(cookie or new_cookie or ""),
            redirect_uri=grant.redirect_uri,
        )
        if oauth_request.method == "GET":
            return Step(self._with_cookie(pages.login_page(context), new_cookie))
        form = oauth_request.form
        if not self._guard.csrf_ok(cookie, form.get("csrf_token")):
            return Step(
                pages.error_page(
                    403,
                    "This form has expired or did not come from this page. "
                    "Start signing in again from the application.",
                )
            )
        assert cookie is not None
        digest = request_digest(query)
        if form.get("step") == "login":
            return Step(self._sign_in(context, form, cookie, digest))
        if form.get("step") == "consent":
            username = self._guard.ticket_holder(form.get("ticket"), cookie, digest)
            holder = None if username is None else self._person(username)
            if holder is None:
                return Step(pages.error_page(403, "Your sign-in has expired. Start again."))
            approved = form.get("decision") == "approve"
            response = self.server.create_authorization_response(
                oauth_request, grant_user=holder if approved else None, grant=grant
            )
            return Step(self._with_issuer(response), commit=response.status_code == 302)
        return Step(pages.error_page(400, "The form is incomplete."))

    def _sign_in(
        self, context: pages.AuthorizationContext, form: dict[str, str], cookie: str, digest: str
    ) -> Response:
        username = form.get("username", "")
        row = on_event_loop(current_records().person, username) if username else None
        if not verify_secret(form.get("password", ""), None if row is None else row.password_hash):
            return pages.login_page(context, error="The username or password is not correct.")
        assert row is not None
        held = set(row.scopes)
        return pages.consent_page(
            context,
            username=row.username,
            granted=[scope for scope in context.scopes if scope in held],
            withheld=[scope for scope in context.scopes if scope not in held],
            ticket=self._guard.login_ticket(row.username, cookie, digest),
        )

    def _person(self, username: str) -> Person | None:
        row = on_event_loop(current_records().person, username)
        return None if row is None else Person(row)

    def _authorization_error(
        self, oauth_request: StarletteOAuth2Request, error: OAuth2Error
    ) -> Response:
        # Only a redirect URI already checked against the client's registration is used;
        # otherwise the person sees the problem here (RFC 6749 §4.1.2.1).
        if error.redirect_uri:
            return self._with_issuer(self.server.handle_error_response(oauth_request, error))
        return pages.error_page(400, error.description or str(error.error))

    def _with_issuer(self, response: Response) -> Response:
        location = response.headers.get("location")
        if location:
            response.headers["location"] = add_params_to_uri(location, [("iss", self.issuer)])
        return response

    def _with_cookie(self, response: Response, cookie: str | None) -> Response:
        if cookie is not None:
            response.set_cookie(
                self._cookie,
                cookie,
                max_age=COOKIE_SECONDS,
                path=self._path or "/",
                secure=self._secure,
                httponly=True,
                samesite="strict",
            )
        return response
