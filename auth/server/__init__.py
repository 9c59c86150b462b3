"""The OAuth 2.0 authorization server of one administration, on Starlette.

Authlib has no Starlette integration: `AdministrationAuthorizationServer` subclasses
`authlib.oauth2.AuthorizationServer`, and `AuthorizationService` serves it over HTTP. The body
is read asynchronously first; the synchronous Authlib call then runs in a worker thread, where
its store look-ups are sent back to the event loop, into the request's one session.
"""
