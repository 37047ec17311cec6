"""Logging for every ``samspel`` command: plain lines for people, or one JSON object per line
for log collectors (``SAMSPEL_LOG_FORMAT=json``).

The access log is ours, not uvicorn's (``samspel serve`` turns uvicorn's off): one line per
request with the method, the *route* it matched (``/r/{token}``, never the path itself, so
personal links, reset tokens and invitation tokens in paths do not end up in logs), the
status and the time taken. Query strings are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is
# written as a field of its own in JSON.
# (uvicorn's ``color_message`` is its message again, with terminal colour codes.)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "color_message",
}  # fmt: skip

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the fields
    given with ``extra=``, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The plain format, with the ``extra=`` fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = [
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        ]
        return f"{line} {' '.join(extra)}" if extra else line


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(level: str, log_format: str) -> None:
    """Send every logger's records (ours, uvicorn's, the libraries') to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own loggers propagate to the root instead of printing in their own format,
    # except its access log: it writes paths with their query strings, and paths here can
    # hold personal tokens. Ours (webapp/metrics.py) names the route instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # The database drivers' DEBUG lines (aiosqlite) and SQLAlchemy's echo carry every query's
    # parameters: personal link codes, phone numbers, message texts. Never in the log, at any
    # level (docs/security.md; tests/http/test_security_logs.py).
    for name in ("aiosqlite", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)
