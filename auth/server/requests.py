"""Starlette requests as Authlib sees them: an `OAuth2Request` over already-read parameters."""

from collections import defaultdict
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from starlette.requests import Request

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 64

Pairs = list[tuple[str, str]]


class FormError(ValueError):
    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


class Parameters(OAuth2Payload):
    """Request parameters; the first value of a name wins, `datalist` keeps them all."""

    def __init__(self, pairs: Pairs) -> None:
        self._data: dict[str, str] = {}
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            self._data.setdefault(name, value)
            self._datalist[name].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist

    def repeated(self) -> list[str]:
        return [name for name, values in self._datalist.items() if len(values) > 1]


class StarletteOAuth2Request(OAuth2Request):
    """`payload` is what the OAuth request says (the query of an authorization request, the
    form of a token request); `form` is the body (login fields on the authorization page)."""

    def __init__(self, request: Request, *, payload: Pairs, form: Pairs) -> None:
        super().__init__(method=request.method, uri=str(request.url), headers=request.headers)
        self.payload = Parameters(payload)
        self._query = Parameters(list(request.query_params.multi_items()))
        self._form = Parameters(form)

    @property
    def args(self) -> dict[str, str]:
        return self._query.data

    @property
    def form(self) -> dict[str, str]:
        return self._form.data


async def read_form(request: Request) -> Pairs:
    """An urlencoded body, read in full before anything synchronous touches it, bounded."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise FormError(400, f"The body must be {FORM_CONTENT_TYPE}.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormError(413, "The request body is too large.")
    try:
        return parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise FormError(400, "The request body is not a valid form.") from None
