"""Cross-origin requests: answered for the allow-list, refused for anyone else."""

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.errors import request_error


class OriginGuard:
    """403 for a request whose Origin is neither the gateway's own nor on the allow-list.

    Browsers send Origin on cross-site requests; a page of another site must not drive a
    logged-in analyst's browser against the gateway.
    """

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            origin = dict(scope.get("headers", ())).get(b"origin")
            if origin is not None and origin.decode("latin-1").rstrip("/") not in self.allowed:
                body = orjson.dumps(
                    request_error("Requests from this origin are not allowed.", "FORBIDDEN_ORIGIN")
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
