"""Quiet hours: when an SMS may be delivered, around midnight and daylight-saving changes.

In 2026 Europe/Stockholm springs forward on Sunday 29 March (02:00 CET -> 03:00 CEST, at
01:00 UTC) and falls back on Sunday 25 October (03:00 CEST -> 02:00 CET, at 01:00 UTC).
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invites.sms.quiet_hours import QuietHours, earliest_delivery, is_quiet

PROPERTY = settings(database=None, deadline=None, max_examples=500)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NIGHT = QuietHours(time(21), time(8))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM, fold=fold)


# --- which wall-clock times are quiet -------------------------------------------------------


@pytest.mark.parametrize(
    ("quiet", "wall", "expected"),
    [
        (NIGHT, time(20, 59, 59), False),
        (NIGHT, time(21), True),
        (NIGHT, time(23, 59, 59, 999999), True),
        (NIGHT, time(0), True),
        (NIGHT, time(7, 59, 59, 999999), True),
        (NIGHT, time(8), False),
        (NIGHT, time(12), False),
        (QuietHours(time(0), time(6)), time(0), True),
        (QuietHours(time(0), time(6)), time(23, 59), False),
        (QuietHours(time(12), time(13)), time(12, 30), True),
        (QuietHours(time(12), time(13)), time(13), False),
        (QuietHours(time(22), time(0)), time(23), True),
        (QuietHours(time(22), time(0)), time(0), False),
        (QuietHours(time(21), time(21)), time(21), False),
        (QuietHours(time(0), time(0)), time(3), False),
    ],
)
def test_contains(quiet, wall, expected):
    assert quiet.contains(wall) is expected


def test_quiet_hours_are_wall_clock_times():
    with pytest.raises(ValueError):
        QuietHours(time(21, tzinfo=UTC), time(8))


# --- an ordinary night ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2026, 1, 15, 12, 0), local(2026, 1, 15, 12, 0)),  # daytime: at once
        (local(2026, 1, 15, 20, 59), local(2026, 1, 15, 20, 59)),
        (local(2026, 1, 15, 21, 0), local(2026, 1, 16, 8, 0)),  # start is quiet
        (local(2026, 1, 15, 23, 30), local(2026, 1, 16, 8, 0)),  # before midnight
        (local(2026, 1, 16, 0, 0), local(2026, 1, 16, 8, 0)),  # midnight
        (local(2026, 1, 16, 7, 59), local(2026, 1, 16, 8, 0)),  # after midnight
        (local(2026, 1, 16, 8, 0), local(2026, 1, 16, 8, 0)),  # end is not quiet
        (local(2026, 12, 31, 22, 0), local(2027, 1, 1, 8, 0)),  # over the new year
        (local(2026, 7, 1, 22, 0), local(2026, 7, 2, 8, 0)),  # summer time
    ],
)
def test_earliest_delivery_on_an_ordinary_night(at, expected):
    result = earliest_delivery(at, STOCKHOLM, NIGHT)
    assert result == expected
    assert result.tzinfo is UTC


def test_the_answer_is_in_utc_whatever_zone_at_is_given_in():
    at = utc(2026, 1, 15, 12, 0)
    assert earliest_delivery(at, STOCKHOLM, NIGHT) == at
    assert earliest_delivery(at.astimezone(STOCKHOLM), STOCKHOLM, NIGHT).tzinfo is UTC
    assert earliest_delivery(utc(2026, 1, 15, 22), STOCKHOLM, NIGHT) == utc(2026, 1, 16, 7)
    assert earliest_delivery(utc(2026, 7, 15, 22), STOCKHOLM, NIGHT) == utc(2026, 7, 16, 6)


def test_the_recipients_zone_decides():
    at = utc(2026, 1, 15, 19, 30)  # 20:30 in Stockholm, 21:30 in Helsinki, 19:30 in Reykjavik
    assert earliest_delivery(at, STOCKHOLM, NIGHT) == at
    assert earliest_delivery(at, ZoneInfo("Europe/Helsinki"), NIGHT) == utc(2026, 1, 16, 6)
    assert earliest_delivery(at, ZoneInfo("Atlantic/Reykjavik"), NIGHT) == at


def test_a_daytime_span_that_does_not_wrap():
    lunch = QuietHours(time(12), time(13))
    assert earliest_delivery(local(2026, 5, 4, 12, 15), STOCKHOLM, lunch) == local(2026, 5, 4, 13)
    assert earliest_delivery(local(2026, 5, 4, 23, 0), STOCKHOLM, lunch) == local(2026, 5, 4, 23)


def test_a_span_ending_at_midnight():
    evening = QuietHours(time(22), time(0))
    assert earliest_delivery(local(2026, 5, 4, 23), STOCKHOLM, evening) == local(2026, 5, 5, 0)


@pytest.mark.parametrize("at", [local(2026, 1, 15, 3, 0), utc(2026, 3, 29, 1, 0)])
def test_start_equal_to_end_means_no_quiet_hours(at):
    always = QuietHours(time(21), time(21))
    assert not is_quiet(at, STOCKHOLM, always)
    assert earliest_delivery(at, STOCKHOLM, always) == at


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        earliest_delivery(datetime(2026, 1, 15, 12), STOCKHOLM, NIGHT)
    with pytest.raises(ValueError):
        is_quiet(datetime(2026, 1, 15, 12), STOCKHOLM, NIGHT)


# --- the nights the clocks change -----------------------------------------------------------


def test_spring_forward_night_ends_at_eight_summer_time():
    at = local(2026, 3, 28, 22, 0)  # 21:00 UTC
    assert earliest_delivery(at, STOCKHOLM, NIGHT) == utc(2026, 3, 29, 6, 0)  # 08:00 CEST
    during = utc(2026, 3, 29, 1, 30)  # 03:30 CEST, just after the change
    assert earliest_delivery(during, STOCKHOLM, NIGHT) == utc(2026, 3, 29, 6, 0)


def test_fall_back_night_ends_at_eight_winter_time():
    at = local(2026, 10, 24, 22, 0)  # 20:00 UTC
    assert earliest_delivery(at, STOCKHOLM, NIGHT) == utc(2026, 10, 25, 7, 0)  # 08:00 CET
    for repeated in (local(2026, 10, 25, 2, 30, fold=0), local(2026, 10, 25, 2, 30, fold=1)):
        assert earliest_delivery(repeated, STOCKHOLM, NIGHT) == utc(2026, 10, 25, 7, 0)


SKIPPED_END = QuietHours(time(21), time(2, 30))  # 02:30 does not exist on 29 March


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2026, 3, 28, 22, 0), utc(2026, 3, 29, 1, 0)),  # when the clock jumps to 03:00
        (utc(2026, 3, 29, 0, 59, 59), utc(2026, 3, 29, 1, 0)),  # 01:59:59 CET
        (utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 0)),  # 03:00 CEST is after 02:30
        (local(2026, 3, 29, 21, 0), local(2026, 3, 30, 2, 30)),  # the next night is normal
    ],
)
def test_an_end_the_clock_skips_ends_when_the_clock_jumps(at, expected):
    assert earliest_delivery(at, STOCKHOLM, SKIPPED_END) == expected


def test_a_start_the_clock_skips_still_starts_the_quiet_hours_after_the_jump():
    early = QuietHours(time(2, 30), time(6))
    assert earliest_delivery(utc(2026, 3, 29, 0, 59), STOCKHOLM, early) == utc(2026, 3, 29, 0, 59)
    assert earliest_delivery(utc(2026, 3, 29, 1, 0), STOCKHOLM, early) == utc(2026, 3, 29, 4, 0)


REPEATED_END = QuietHours(time(1), time(2, 30))  # 02:30 happens twice on 25 October


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 0, 30)),  # 01:00 CEST -> first 02:30
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 30)),  # the first 02:30 is allowed
        (utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 0, 45)),  # 02:45 CEST
        (utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 30)),  # 02:00 CET: quiet once more
        (utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 1, 30)),  # 02:10 CET -> second 02:30
        (utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 1, 30)),
    ],
)
def test_an_end_the_clock_shows_twice(at, expected):
    assert earliest_delivery(at, STOCKHOLM, REPEATED_END) == expected


def test_wrapping_quiet_hours_ending_in_the_repeated_hour():
    quiet = QuietHours(time(21), time(2, 30))
    assert earliest_delivery(local(2026, 10, 24, 22), STOCKHOLM, quiet) == utc(2026, 10, 25, 0, 30)


def test_an_allowed_window_the_clock_skips_waits_for_the_next_night():
    # Allowed only 02:00-02:15, which does not exist on 29 March: the 03:00 the clock jumps
    # to is quiet again, so the next delivery is on Monday.
    quiet = QuietHours(time(2, 15), time(2))
    at = local(2026, 3, 28, 22, 59)
    assert earliest_delivery(at, STOCKHOLM, quiet) == local(2026, 3, 30, 2, 0)


def test_a_day_the_clock_skips_entirely():
    # Samoa moved across the date line: 29 December 2011 was followed by 31 December.
    apia = ZoneInfo("Pacific/Apia")
    at = datetime(2011, 12, 29, 22, 0, tzinfo=apia)
    result = earliest_delivery(at, apia, NIGHT)
    assert result.astimezone(apia).replace(tzinfo=None) == datetime(2011, 12, 31, 8, 0)


# --- properties, in zones with DST, half-hour DST and none ----------------------------------

ZONES = [
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Helsinki",
    "Atlantic/Reykjavik",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
CHANGES = [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1), utc(2026, 4, 5, 0), utc(2026, 10, 4, 0)]
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    st.builds(
        lambda change, minutes: change + timedelta(minutes=minutes),
        st.sampled_from(CHANGES),
        st.integers(-36 * 60, 36 * 60),
    ),
)
walls = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
quiet_hours = st.builds(QuietHours, walls, walls).filter(lambda q: q.start != q.end)


@PROPERTY
@given(instants, st.sampled_from(ZONES), quiet_hours, st.floats(0, 1, exclude_max=True))
def test_earliest_delivery_is_the_first_moment_outside_quiet_hours(at, zone, quiet, fraction):
    tz = ZoneInfo(zone)
    result = earliest_delivery(at, tz, quiet)
    assert result.tzinfo is UTC
    assert result >= at
    assert not is_quiet(result, tz, quiet)
    assert (result == at) is (not is_quiet(at, tz, quiet))
    if result > at:
        assert is_quiet(result - timedelta(microseconds=1), tz, quiet)
        between = min(at + (result - at) * fraction, result - timedelta(microseconds=1))
        assert is_quiet(between, tz, quiet)
        # At most two quiet spans: the second when a change skips the allowed window.
        assert result - at <= timedelta(hours=49)
