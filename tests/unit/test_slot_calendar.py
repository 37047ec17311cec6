"""Program slots expanded into windows: once, every N weeks, up to the last date, minus
exception dates, closures and bookings; wall-clock times kept across summer time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.slots.calendar import (
    Booking,
    Closure,
    Slot,
    closed_days,
    expand,
    free,
    happens_on,
    iso_week_code,
    parse_iso_week,
    slot_dates,
    week_start,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HALL, STUDY, WORKSHOP = 10, 11, 20
CENTRAL, GARAGE = 1, 2
ROOMS = {HALL: CENTRAL, STUDY: CENTRAL, WORKSHOP: GARAGE}


def slot(
    slot_id: int = 1,
    room_id: int = HALL,
    first: date = date(2026, 10, 6),  # a Tuesday
    until: date | None = date(2026, 12, 15),
    every: int = 1,
    start: time = time(18, 0),
    end: time = time(20, 0),
) -> Slot:
    return Slot(slot_id, room_id, first, until, every, start, end)


def days(windows) -> list[date]:  # type: ignore[no-untyped-def]
    return [w.day for w in windows]


def run(slots, start=date(2026, 1, 1), end=date(2026, 12, 31), **kwargs):  # type: ignore[no-untyped-def]
    return expand(slots, start=start, end=end, tz=STOCKHOLM, location_of_room=ROOMS, **kwargs)


# Dates -----------------------------------------------------------------------------------------


def test_a_one_off_slot_happens_once_and_only_inside_the_range():
    once = slot(first=date(2026, 11, 24), until=None, every=0)
    assert days(run([once])) == [date(2026, 11, 24)]
    assert run([once], start=date(2026, 11, 25)) == []
    assert run([once], end=date(2026, 11, 23)) == []
    assert days(run([once], start=date(2026, 11, 24), end=date(2026, 11, 24))) == [
        date(2026, 11, 24)
    ]


def test_a_one_off_slot_ignores_a_last_date():
    assert days(run([slot(first=date(2026, 11, 24), until=date(2026, 12, 31), every=0)])) == [
        date(2026, 11, 24)
    ]


def test_a_weekly_slot_runs_up_to_and_including_its_last_date():
    found = days(run([slot(first=date(2026, 10, 6), until=date(2026, 11, 3))]))
    assert found == [
        date(2026, 10, 6),
        date(2026, 10, 13),
        date(2026, 10, 20),
        date(2026, 10, 27),
        date(2026, 11, 3),
    ]


def test_the_last_date_need_not_fall_on_the_weekday():
    found = days(run([slot(first=date(2026, 10, 6), until=date(2026, 10, 19))]))
    assert found == [date(2026, 10, 6), date(2026, 10, 13)]


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        (2, [date(2026, 10, 6), date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 17)]),
        (3, [date(2026, 10, 6), date(2026, 10, 27), date(2026, 11, 17)]),
        (4, [date(2026, 10, 6), date(2026, 11, 3)]),
    ],
)
def test_every_n_weeks_counts_from_the_first_date(every, expected):
    assert days(run([slot(until=date(2026, 11, 30), every=every)])) == expected


def test_a_range_starting_mid_series_keeps_the_rhythm():
    every_other = slot(until=date(2026, 12, 31), every=2)
    # 6 Oct, 20 Oct, 3 Nov, 17 Nov, 1 Dec ...; from 21 Oct the next is 3 Nov, not 27 Oct.
    found = days(run([every_other], start=date(2026, 10, 21), end=date(2026, 11, 20)))
    assert found == [date(2026, 11, 3), date(2026, 11, 17)]
    found = days(run([every_other], start=date(2026, 11, 3), end=date(2026, 11, 3)))
    assert found == [date(2026, 11, 3)]


def test_a_slot_without_a_last_date_runs_to_the_end_of_the_range():
    open_ended = slot(first=date(2026, 12, 1), until=None, every=1)
    assert days(run([open_ended], end=date(2026, 12, 31))) == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 15),
        date(2026, 12, 22),
        date(2026, 12, 29),
    ]


def test_nothing_before_the_first_date():
    assert run([slot(first=date(2026, 10, 6))], end=date(2026, 10, 5)) == []


def test_happens_on():
    every_other = slot(until=date(2026, 11, 30), every=2)
    assert happens_on(every_other, date(2026, 10, 20))
    assert not happens_on(every_other, date(2026, 10, 13))  # the week in between
    assert not happens_on(every_other, date(2026, 10, 21))  # a Wednesday
    assert not happens_on(every_other, date(2026, 12, 1))  # after the last date
    assert not happens_on(every_other, date(2026, 9, 22))  # before the first
    assert list(slot_dates(every_other, date(2026, 10, 7), date(2026, 10, 19))) == []


# Exceptions and closures -----------------------------------------------------------------------


def test_exception_dates_are_skipped_for_their_slot_only():
    hall = slot(1, HALL, until=date(2026, 10, 27))
    study = slot(2, STUDY, until=date(2026, 10, 27))
    windows = run([hall, study], exceptions={(1, date(2026, 10, 13)), (2, date(2026, 10, 20))})
    assert [(w.slot_id, w.day) for w in windows] == [
        (1, date(2026, 10, 6)),
        (2, date(2026, 10, 6)),
        (2, date(2026, 10, 13)),
        (1, date(2026, 10, 20)),
        (1, date(2026, 10, 27)),
        (2, date(2026, 10, 27)),
    ]


def test_a_library_wide_closure_closes_every_location():
    hall = slot(1, HALL, first=date(2026, 12, 1), until=date(2026, 12, 29))
    workshop = slot(2, WORKSHOP, first=date(2026, 12, 1), until=date(2026, 12, 29))
    christmas = Closure(1, None, date(2026, 12, 21), date(2027, 1, 6), "Christmas")
    windows = run([hall, workshop], closures=[christmas])
    assert sorted({w.day for w in windows}) == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 15),
    ]
    assert {w.slot_id for w in windows} == {1, 2}


def test_a_location_closure_closes_only_that_location():
    hall = slot(1, HALL, first=date(2026, 12, 1), until=date(2026, 12, 15))
    workshop = slot(2, WORKSHOP, first=date(2026, 12, 1), until=date(2026, 12, 15))
    renovation = Closure(1, GARAGE, date(2026, 12, 8), date(2026, 12, 8), "Painting")
    windows = run([hall, workshop], closures=[renovation])
    assert [(w.slot_id, w.day) for w in windows if w.slot_id == 2] == [
        (2, date(2026, 12, 1)),
        (2, date(2026, 12, 15)),
    ]
    assert len([w for w in windows if w.slot_id == 1]) == 3


def test_closed_days_of_a_week():
    closures = [
        Closure(1, None, date(2026, 12, 24), date(2026, 12, 26), "Christmas"),
        Closure(2, GARAGE, date(2026, 12, 21), date(2026, 12, 21), "Staff day"),
        Closure(3, CENTRAL, date(2026, 12, 25), date(2026, 12, 25), "Also"),
    ]
    found = closed_days(closures, GARAGE, date(2026, 12, 21), date(2026, 12, 27))
    assert {day: [c.id for c in found[day]] for day in found} == {
        date(2026, 12, 21): [2],
        date(2026, 12, 24): [1],
        date(2026, 12, 25): [1],
        date(2026, 12, 26): [1],
    }


# Time zones --------------------------------------------------------------------------------------


def test_wall_clock_times_survive_the_end_of_summer_time():
    # Summer time ends in Sweden on Sunday 25 October 2026 at 03:00.
    every_day_that_week = [
        slot(n, HALL, first=date(2026, 10, 19) + timedelta(days=n), until=None, every=0)
        for n in range(7)
    ]
    windows = run(every_day_that_week, start=date(2026, 10, 19), end=date(2026, 10, 25))
    assert [w.starts_at.astimezone(STOCKHOLM).time() for w in windows] == [time(18, 0)] * 7
    assert [w.ends_at.astimezone(STOCKHOLM).time() for w in windows] == [time(20, 0)] * 7
    saturday, sunday = windows[5], windows[6]
    assert saturday.starts_at == datetime(2026, 10, 24, 16, 0, tzinfo=UTC)  # CEST, UTC+2
    assert sunday.starts_at == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)  # CET, UTC+1
    assert all(w.starts_at.tzinfo == UTC for w in windows)


def test_a_weekly_slot_keeps_its_local_time_across_both_changes():
    sundays = slot(first=date(2026, 3, 22), until=date(2026, 11, 1), every=1, start=time(18, 0))
    windows = run([sundays])
    local = {w.starts_at.astimezone(STOCKHOLM).time() for w in windows}
    assert local == {time(18, 0)}
    by_day = {w.day: w.starts_at for w in windows}
    assert by_day[date(2026, 3, 22)] == datetime(2026, 3, 22, 17, 0, tzinfo=UTC)
    assert by_day[date(2026, 3, 29)] == datetime(2026, 3, 29, 16, 0, tzinfo=UTC)
    assert by_day[date(2026, 10, 25)] == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)
    # The window is two hours long on the day the clocks change, too.
    assert all(w.ends_at - w.starts_at == timedelta(hours=2) for w in windows)


# Bookings ------------------------------------------------------------------------------------


def _booking(room_id: int, day: date, start: time, end: time) -> Booking:
    return Booking(
        room_id,
        datetime.combine(day, start, tzinfo=STOCKHOLM).astimezone(UTC),
        datetime.combine(day, end, tzinfo=STOCKHOLM).astimezone(UTC),
    )


def test_bookings_take_windows_with_the_buffer_around_them():
    hall = slot(1, HALL, until=date(2026, 10, 27))  # 18:00-20:00 on 6, 13, 20, 27 Oct
    windows = run([hall])
    bookings = [
        _booking(HALL, date(2026, 10, 6), time(18, 30), time(19, 30)),  # inside
        _booking(HALL, date(2026, 10, 13), time(16, 0), time(17, 45)),  # ends 15 min before
        _booking(HALL, date(2026, 10, 20), time(16, 0), time(17, 30)),  # ends 30 min before
        _booking(STUDY, date(2026, 10, 27), time(18, 0), time(20, 0)),  # another room
    ]
    assert days(free(windows, bookings, timedelta(0))) == [
        date(2026, 10, 13),
        date(2026, 10, 20),
        date(2026, 10, 27),
    ]
    # 15 minutes clear-up after the booking plus 15 set-up before the window: a booking
    # ending exactly 30 minutes before fits, one ending 15 minutes before does not.
    assert days(free(windows, bookings, timedelta(minutes=30))) == [
        date(2026, 10, 20),
        date(2026, 10, 27),
    ]
    assert days(free(windows, bookings, timedelta(minutes=31))) == [date(2026, 10, 27)]


def test_a_booking_right_after_the_window_takes_it_only_with_a_buffer():
    hall = slot(1, HALL, first=date(2026, 10, 6), until=None, every=0)
    after = [_booking(HALL, date(2026, 10, 6), time(20, 0), time(21, 0))]
    assert days(free(run([hall]), after, timedelta(0))) == [date(2026, 10, 6)]
    assert free(run([hall]), after, timedelta(minutes=1)) == []


# ISO weeks -----------------------------------------------------------------------------------


def test_iso_weeks():
    assert parse_iso_week("2026-W48") == date(2026, 11, 23)
    assert parse_iso_week(" 2026-W01 ") == date(2025, 12, 29)
    assert parse_iso_week("2026-W53") == date(2026, 12, 28)  # 2026 has 53 weeks
    for bad in ("2025-W53", "2026-W00", "2026-W54", "2026W48", "2026-w48", "48", "", "x" * 50):
        assert parse_iso_week(bad) is None, bad
    assert iso_week_code(date(2026, 11, 29)) == "2026-W48"
    assert iso_week_code(date(2027, 1, 1)) == "2026-W53"
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)
