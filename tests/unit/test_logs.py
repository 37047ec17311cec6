"""The two log formats: lines for people, one JSON object per line for collectors."""

from __future__ import annotations

import json
import logging

from webapp.logs import JsonFormatter, TextFormatter


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "samspel.test", logging.WARNING, __file__, 1, "sent %d of %s", (3, "five"), None
    )
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_the_message_and_the_extra_fields():
    line = JsonFormatter().format(_record(route="/events/{event_id}", status=200, odd=object()))
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "samspel.test"
    assert entry["message"] == "sent 3 of five"
    assert entry["route"] == "/events/{event_id}" and entry["status"] == 200
    assert entry["odd"].startswith("<object")
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_json_keeps_the_traceback_on_one_line():
    try:
        raise ValueError("Ödla")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: Ödla" in json.loads(line)["exception"]


def test_text_lines_append_the_extra_fields():
    line = TextFormatter().format(_record(route="/healthz"))
    assert line.endswith("WARNING samspel.test: sent 3 of five route=/healthz")


def test_uvicorns_coloured_copy_of_the_message_is_left_out():
    record = _record(color_message="\x1b[36msent\x1b[0m")
    assert "\x1b" not in TextFormatter().format(record)
    assert "color_message" not in JsonFormatter().format(record)
