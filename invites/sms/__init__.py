"""SMS texts: how a message is measured (encoding, segments, cost), composed from a template,
and timed around the recipient's quiet hours. Pure functions: no store, no clock, no network.
"""

from invites.sms.encoding import Encoding, Measure, cost, measure, split, suggest_gsm
from invites.sms.quiet_hours import QuietHours, earliest_delivery, is_quiet
from invites.sms.templates import PLACEHOLDERS, TemplateError, format_when, problems, render

__all__ = [
    "PLACEHOLDERS",
    "Encoding",
    "Measure",
    "QuietHours",
    "TemplateError",
    "cost",
    "earliest_delivery",
    "format_when",
    "is_quiet",
    "measure",
    "problems",
    "render",
    "split",
    "suggest_gsm",
]
