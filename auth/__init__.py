"""Identity and the agreement's policy (DESIGN.md §5).

- `principal`: who is calling, once a token is verified.
- `verification`: verifying access tokens of every trusted issuer into a `Principal`.
- `http`: bearer tokens over HTTP and RFC 6750 refusals (401/403).
- `errors`: refusal types of the HTTP boundary.
- `forwarding`: the caller's bearer token, bound for the remote transport to forward.
- `keys`, `revocations`, `passwords`, `registry`: signing keys and the JWKS, the jti
  deny-list, argon2 hashing, registering clients and people.
- `server`: each administration's OAuth 2.0 authorization server on Starlette.
- `demo_identities`: the embedded demo's clients and people.
- `policy`: the agreement's rules, one module per kind (release, personal data, designation,
  procedures, audit, the scope catalogue and the rule ids).

Imports only `store/`.
"""
