"""Identity and the agreement's policy (DESIGN.md §5).

- `principal`: who is calling, once a token is verified.
- `verification`: verifying access tokens of every trusted issuer into a `Principal`.
- `http`: bearer tokens over HTTP and RFC 6750 refusals (401/403).
- `errors`, `scopes`: refusal types; the scope catalogue as tokens carry it.
- `keys`, `revocations`, `passwords`, `registry`: signing keys and the JWKS, the jti
  deny-list, argon2 hashing, registering clients and people.
- `server`: each administration's OAuth 2.0 authorization server on Starlette.
- `demo_identities`: the embedded demo's clients and people.
- `policy`: the agreement's release policy over the store.

Imports only `store/`.
"""
