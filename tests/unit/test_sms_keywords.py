"""Reply keywords as people write them: STOP, START, HELP and the answers to an invitation,
in English and the Nordic forms, any case, with punctuation around them."""

from __future__ import annotations

import pytest

from invites.sms.keywords import keyword


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", "stop"), ("stopp", "stop"), (" Avmeld. ", "stop"), ("AFMELD!", "stop"),
        ("start", "start"), ("Starta", "start"), ("hjälp?", "help"), ("HJELP", "help"),
        ("Ja", "yes"), ("ja tack!", "yes"), ("JA  TAK", "yes"), ("yes", "yes"), ("Y", "yes"),
        ("Nej", "no"), ("nei takk", "no"), ("NO.", "no"), ("nej tack", "no"),
        ("Ja, vi kommer tre", None), ("Jag kommer gärna!", None), ("", None), ("stop it", None),
    ],
)  # fmt: skip
def test_keywords(body, expected):
    assert keyword(body) == expected
