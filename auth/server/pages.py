"""The sign-in and consent pages: server-rendered, self-contained, every value escaped.

No script and no external asset: the only style is inline and allowed by its hash in the
Content-Security-Policy; the pages cannot be framed (no clickjacking of the consent button).
"""

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
    "color:#1b1b1b}h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}"
    "input[type=text],input[type=password]{width:100%;padding:.45rem;box-sizing:border-box}"
    "button{margin:1rem .5rem 0 0;padding:.5rem 1.1rem}ul{padding-left:1.2rem}"
    ".error{color:#a4000f;font-weight:600}.muted{color:#555;font-size:.9rem}code{font-size:.9rem}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode("ascii")


@dataclass(frozen=True)
class AuthorizationContext:
    """What a person is asked to approve, as shown on both pages."""

    administration_name: str
    client_id: str
    client_description: str
    scopes: Sequence[str]
    catalogue: Mapping[str, str]
    action: str  # the authorization URL, query included: the forms post back to it
    csrf_token: str
    redirect_uri: str


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _headers(redirect_uri: str | None) -> dict[str, str]:
    # A consent POST is answered with a redirect to the client: form-action must allow it.
    form_action = "'self'"
    origin = _origin(redirect_uri) if redirect_uri else ""
    if origin:
        form_action += f" {origin}"
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action {form_action}; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # "same-origin": the form post then carries its real Origin (no-referrer makes browsers
        # send "Origin: null", which the origin guard rightly refuses).
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _scope_list(scopes: Sequence[str], catalogue: Mapping[str, str]) -> str:
    items = "".join(
        f"<li><code>{escape(scope)}</code> — {escape(catalogue.get(scope, ''))}</li>"
        for scope in scopes
    )
    return f"<ul>{items}</ul>"


def _client_line(context: AuthorizationContext) -> str:
    description = context.client_description or context.client_id
    return (
        f"<p><strong>{escape(description)}</strong> "
        f'<span class="muted">(<code>{escape(context.client_id)}</code>)</span> asks for:</p>'
    )


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def login_page(context: AuthorizationContext, error: str | None = None) -> HTMLResponse:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<h1>Sign in — {escape(context.administration_name)}</h1>"
        f"{_client_line(context)}{_scope_list(context.scopes, context.catalogue)}{problem}"
        f'<form method="post" action="{escape(context.action)}">'
        f"{_hidden('csrf_token', context.csrf_token)}{_hidden('step', 'login')}"
        '<label for="username">Username</label>'
        '<input type="text" id="username" name="username" autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" '
        'autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )
    return HTMLResponse(_document("Sign in", body), status_code=200, headers=_headers(None))


def consent_page(
    context: AuthorizationContext,
    *,
    username: str,
    granted: Sequence[str],
    withheld: Sequence[str],
    ticket: str,
) -> HTMLResponse:
    not_held = ""
    if withheld:
        not_held = (
            '<p class="muted">Not granted, because your account does not hold them:</p>'
            + _scope_list(withheld, context.catalogue)
        )
    approve = (
        '<button type="submit" name="decision" value="approve">Allow</button>' if granted else ""
    )
    body = (
        f"<h1>Allow access — {escape(context.administration_name)}</h1>"
        f"<p>Signed in as <strong>{escape(username)}</strong>.</p>"
        f"{_client_line(context)}{_scope_list(granted, context.catalogue)}{not_held}"
        f'<form method="post" action="{escape(context.action)}">'
        f"{_hidden('csrf_token', context.csrf_token)}{_hidden('step', 'consent')}"
        f"{_hidden('ticket', ticket)}{approve}"
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return HTMLResponse(
        _document("Allow access", body), status_code=200, headers=_headers(context.redirect_uri)
    )


def error_page(status_code: int, message: str) -> HTMLResponse:
    body = f'<h1>Sign-in cannot continue</h1><p class="error">{escape(message)}</p>'
    return HTMLResponse(
        _document("Sign-in error", body), status_code=status_code, headers=_headers(None)
    )
