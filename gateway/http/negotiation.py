"""GraphQL over HTTP: which media type to answer in, and what status code goes with it."""

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer in, or None when the caller accepts neither JSON form."""
    if not accept or not accept.strip():
        return JSON
    offered: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        fields = [field.strip() for field in part.split(";")]
        media = fields[0].lower()
        quality = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if media in (GRAPHQL_RESPONSE, JSON, "application/*", "*/*"):
            offered.append((quality, -position, media))
    if not offered:
        return None
    best = max(offered)[2]
    # A wildcard gets the spec's preferred form.
    return JSON if best == JSON else GRAPHQL_RESPONSE


def is_json_content(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";")[0].strip().lower()
    return media == JSON
