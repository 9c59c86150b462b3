"""Every error names the request it answers (`extensions.requestId`, a fresh id unless the
client sent one): tests that compare whole answers compare them without it."""

from typing import Any


def without_request_ids(body: Any) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return body
    errors = []
    for error in body["errors"]:
        extensions = {k: v for k, v in error.get("extensions", {}).items() if k != "requestId"}
        errors.append({**error, "extensions": extensions})
    return {**body, "errors": errors}
