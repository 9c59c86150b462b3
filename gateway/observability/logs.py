"""JSON log lines, one object per line, for the access log and the services' own messages.

uvicorn's access log is replaced by ours (gateway.observability.requests), which carries the
request id; `log_config()` is what the serving commands hand to uvicorn, so that each worker
process configures the same logging when it starts.
"""

import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from uvicorn.config import LOGGING_CONFIG

ACCESS_LOGGER = "cmaa.access"
# The attributes every LogRecord has; anything else was given through `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging configuration, plus the JSON access log of our requests."""
    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "formatters": {
            **LOGGING_CONFIG["formatters"],
            "json": {"()": f"{__name__}.JsonFormatter"},
        },
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "json": {
                "formatter": "json",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            ACCESS_LOGGER: {"handlers": ["json"], "level": level.upper(), "propagate": False},
            "cmaa": {"handlers": ["json"], "level": level.upper(), "propagate": False},
        },
    }
    return config
