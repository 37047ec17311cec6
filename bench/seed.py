"""A fresh, migrated database with a big public program, by bulk INSERTs: SQLite or PostgreSQL.

The rows are written straight into the tables (SQLAlchemy Core, a few ``executemany`` per
table) rather than through the services: the benchmarks measure reading pages and feeds, and
going through the workflow for 100,000 events would take hours. The rows are what the
workflow leaves behind for a published event: the event in state ``published`` with an
active lead partner, one ``scheduled`` date (position 1) and a ``publish`` transition.

The events are spread over libraries of ``per_library`` events each (5,000 by default): the
first is ``bench-bibliotek``, whose program and feed the benchmarks read, so with 100,000
events its feed still holds 5,000 while the tables hold twenty times more. Each library has
two locations with two rooms each and one association that leads its events.

On PostgreSQL the rows go in with ``session_replication_role = replica`` (no trigger per
statement; the calendar version is bumped once at the end) and the tables are ANALYZEd
afterwards, as autovacuum would do on a live server; SQLite has no statistics unless ANALYZE
runs, and the app never runs it, so none are made there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from webapp.db.migrate import upgrade
from webapp.db.tables import (
    event_partners,
    event_transitions,
    events,
    locations,
    occurrences,
    organisations,
    rooms,
    users,
)
from webapp.events.vocabulary import AUDIENCES, LANGUAGES

LIBRARY_SLUG = "bench-bibliotek"
PER_LIBRARY = 5000
ZONE = "Europe/Stockholm"
DAYS = 365  # the events are spread over the next twelve months
SLOT_HOURS = (10, 12, 14, 16, 18)  # two-hour slots, local time
CHUNK = 5000  # rows per executemany
PASSWORD = "bench-password-0123"  # noqa: S105 - throwaway accounts in a throwaway database
TITLES = (
    "Språkcafé",
    "Bokcirkel på arabiska",
    "Läxhjälp för årskurs 4–9",
    "Sagostund",
    "Författarsamtal: Åsa Öberg läser ur ”Älvdalens ängar”",
    "Filmkväll; dokumentär om att flytta",
    "Stickcafé, med fika",
    "Schack för nybörjare",
    "Digitalhjälp för seniorer – BankID, Swish & e-post",
    "Kulturkväll: musik, poesi och dans",
    "Pyssel för familjer 🎨",
    "Släktforskning i arkiven",
    "Poesiverkstad ✍️",
    "Lördagsbio för barn 🍿",
    "Jobbsökarträff: CV, brev; intervju",
    "حكايات للأطفال – sagor på arabiska",
    "Läsfrämjande träff för föräldrar",
    "Spelkväll: brädspel & rollspel 🎲",
    "Ukrainsk kulturafton / Український вечір",
    "Møde om lokalhistorie, Ærø og Øresund",
)
PLACES = ("i Stora salen", "i barnavdelningen", "på Garaget", "i läsesalongen", "")
SENTENCES = (
    "Välkommen till en kväll där alla får vara med, oavsett hur länge du har bott i Sverige.",
    "Vi bjuder på kaffe, te och kanelbullar; ta gärna med en vän.",
    "Ingen föranmälan behövs, men det finns bara 40 platser, så kom i god tid.",
    "Programmet leds av volontärer från föreningen Nya grannar, tillsammans med personalen.",
    "Lokalen är tillgänglig med rullstol och har hörslinga.",
    "Barn under 12 år kommer i sällskap med en vuxen.",
    "Samtalet förs på lätt svenska, arabiska och engelska — tolk finns på plats.",
    "Läs mer på bibliotekets webbplats eller fråga i informationsdisken på plan 1.",
    "Ta med egna stickor om du har, annars lånar du av oss. 🧶",
    "مرحبا بالجميع! الدخول مجاني ولا حاجة للتسجيل المسبق.",
    "Efteråt finns tid för frågor, samtal och boktips från bibliotekarierna.",
    "Träffen är en del av Läslyftet; den är gratis och öppen för alla åldrar.",
    "Obs! Ändrad ingång under ombyggnaden: använd dörren mot Kung Oscars väg.",
    "Vi ses — hjärtligt välkomna! 😊",
)


def _title(rng: random.Random, index: int) -> str:
    place = rng.choice(PLACES)
    title = f"{TITLES[index % len(TITLES)]} {place}".strip()
    return title if index % 7 else f"{title} (nr {index})"


def _description(rng: random.Random) -> str:
    """300–800 characters of several paragraphs."""
    target = rng.randint(300, 800)
    paragraphs: list[str] = []
    text = ""
    while True:
        paragraph = " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))
        candidate = "\n\n".join([*paragraphs, paragraph])
        if len(candidate) > target:
            break
        paragraphs.append(paragraph)
        text = candidate
    if len(text) < 300:  # the first paragraph alone was too long or too short: cut to size
        text = ("\n".join(paragraphs) + "\n" + " ".join(SENTENCES))[:target]
        text = text[:-1] + "." if text[-1].isspace() else text
    return text


def _slots(count: int, room_ids: list[int], first_day: date) -> list[tuple[int, datetime]]:
    """``count`` (room, start) pairs spread evenly over ``DAYS`` days, two-hour slots in the
    rooms in turn; more events than slots share a slot in different rooms first."""
    zone = ZoneInfo(ZONE)
    found: list[tuple[int, datetime]] = []
    per_day: dict[int, int] = {}
    for index in range(count):
        day = index * DAYS // count
        k = per_day.get(day, 0)
        per_day[day] = k + 1
        room = room_ids[k % len(room_ids)]
        hour = SLOT_HOURS[(k // len(room_ids)) % len(SLOT_HOURS)]
        local = datetime.combine(first_day + timedelta(days=day), time(hour), tzinfo=zone)
        found.append((room, local.astimezone(UTC)))
    return found


@dataclass(frozen=True)
class Seeded:
    database_url: str
    library_id: int  # bench-bibliotek
    library_slug: str
    events: int  # in the whole database
    library_events: int  # of bench-bibliotek: its program and feed
    libraries: int
    event_ids: list[int] = field(repr=False)  # bench-bibliotek's, in time order
    accounts: list[str] = field(default_factory=list)  # e-mails; the password is PASSWORD
    password: str = PASSWORD


# Scratch databases ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, folder: Path, label: str = "") -> AsyncIterator[str]:
    """A database URL for one run: a SQLite file in ``folder`` when ``server_url`` is empty,
    else a new database ``samspel_bench_<label><pid>`` on that PostgreSQL server, dropped
    when the block ends, also on an error or Ctrl-C (the database the URL names is not
    touched)."""
    if not server_url:
        yield f"sqlite+aiosqlite:///{folder / f'bench{label}.sqlite3'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    if url.drivername != "postgresql+asyncpg":
        raise SystemExit(f"a PostgreSQL URL must be postgresql+asyncpg://…, not {url.drivername}")
    name = f"samspel_bench_{label}{os.getpid()}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(False)
    finally:
        # Shielded: a Ctrl-C or SIGTERM that cancels the run still drops the database.
        await asyncio.shield(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Seeding -------------------------------------------------------------------------------------


async def seed(
    database_url: str,
    count: int,
    *,
    per_library: int = PER_LIBRARY,
    accounts: int = 0,
    seed_value: int = 5000,
) -> Seeded:
    """Migrate the empty database at ``database_url`` and fill it with ``count`` published
    events, ``per_library`` per library, and ``accounts`` users who can log in."""
    await asyncio.to_thread(upgrade, database_url)
    rng = random.Random(seed_value)
    now = datetime.now(UTC).replace(microsecond=0)
    first_day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    postgres = not database_url.startswith("sqlite")
    engine = create_async_engine(database_url)
    libraries = max(1, -(-count // per_library))
    try:
        async with engine.begin() as conn:
            if postgres:
                # No trigger per statement (the calendar version is bumped once below) and no
                # foreign-key trigger per row: the rows are consistent by construction.
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
            first: tuple[int, list[int]] | None = None
            for number in range(libraries):
                n = min(per_library, count - number * per_library)
                found = await _library(conn, rng, number, n, now, first_day)
                first = first or found
            emails = [f"login-{i}@bench.example" for i in range(accounts)]
            if emails:
                await _accounts(conn, emails, now)
            await conn.execute(text("UPDATE calendar_state SET version = version + 1"))
        if postgres:
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    assert first is not None
    library_id, event_ids = first
    return Seeded(
        database_url=database_url,
        library_id=library_id,
        library_slug=LIBRARY_SLUG,
        events=count,
        library_events=len(event_ids),
        libraries=libraries,
        event_ids=event_ids,
        accounts=emails,
    )


async def _one(conn: AsyncConnection, table: Any, row: dict[str, Any]) -> int:
    return int((await conn.execute(insert(table).returning(table.c.id), [row])).scalar_one())


async def _many(conn: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await conn.execute(insert(table), rows[start : start + CHUNK])


async def _library(
    conn: AsyncConnection,
    rng: random.Random,
    number: int,
    count: int,
    now: datetime,
    first_day: date,
) -> tuple[int, list[int]]:
    """Library ``number`` (0: bench-bibliotek) with its association, places and ``count``
    events; its id and its events' ids in time order."""
    suffix = f"-{number + 1}" if number else ""
    city = f"Benchby {number + 1}" if number else "Benchby"
    library_id = await _one(
        conn,
        organisations,
        {
            "kind": "library", "name": f"{city} stadsbibliotek", "slug": LIBRARY_SLUG + suffix,
            "status": "active", "email": "", "country": "SE", "timezone": ZONE,
            "created_at": now,
        },
    )  # fmt: skip
    association_id = await _one(
        conn,
        organisations,
        {
            "kind": "association", "name": f"Föreningen Nya grannar i {city}",
            "slug": f"nya-grannar-benchby{suffix}", "status": "active",
            "email": "kontakt@nyagrannar.example", "website": "https://nyagrannar.example",
            "country": "SE", "created_at": now,
        },
    )  # fmt: skip
    room_ids: list[int] = []
    location_of: dict[int, int] = {}
    for name, street, postal, room_names in (
        ("Huvudbiblioteket", "Kung Oscars väg 11", "211 47", ("Stora salen", "Läsesalongen")),
        ("Filial Rosengård", "Amiralsgatan 2", "214 32", ("Garaget", "Barnavdelningen")),
    ):
        location_id = await _one(
            conn,
            locations,
            {
                "library_id": library_id, "name": name, "street": street,
                "postal_code": postal, "city": city, "country": "SE", "created_at": now,
            },
        )  # fmt: skip
        for room_name in room_names:
            room_id = await _one(
                conn,
                rooms,
                {
                    "location_id": location_id, "name": room_name, "capacity": 40,
                    "accessibility": ["wheelchair", "hearing_loop"], "equipment": ["projector"],
                    "created_at": now,
                },
            )  # fmt: skip
            room_ids.append(room_id)
            location_of[room_id] = location_id
    if count <= 0:
        return library_id, []

    slots = _slots(count, room_ids, first_day)
    await _many(
        conn,
        events,
        [
            {
                "library_id": library_id,
                "state": "published",
                "title": _title(rng, index),
                "summary": rng.choice(SENTENCES),
                "description": _description(rng),
                "shared_goal": "",
                "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
                "audiences": rng.sample(AUDIENCES, rng.randint(1, 3)),
                "equipment": [],
                "agreement": {},
                "checklist": [],
                "location_id": location_of[room_id],
                "room_id": room_id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "version": 3,
                "sequence": rng.randint(0, 2),
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=1),
                "submitted_at": now - timedelta(days=20),
            }
            for index, (room_id, starts) in enumerate(slots)
        ],
    )
    event_ids = list(
        (
            await conn.execute(
                select(events.c.id).where(events.c.library_id == library_id).order_by(events.c.id)
            )
        ).scalars()
    )
    await _many(
        conn,
        event_partners,
        [
            {
                "event_id": event_id,
                "organisation_id": association_id,
                "role": "lead",
                "status": "active",
                "contribution": {},
                "created_at": now - timedelta(days=30),
            }
            for event_id in event_ids
        ],
    )
    await _many(
        conn,
        occurrences,
        [
            {
                "event_id": event_id,
                "room_id": room_id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "status": "scheduled",
                "position": 1,
                "created_at": now - timedelta(days=10),
                "updated_at": now - timedelta(days=10),
            }
            for event_id, (room_id, starts) in zip(event_ids, slots, strict=True)
        ],
    )
    await _many(
        conn,
        event_transitions,
        [
            {
                "event_id": event_id,
                "action": "publish",
                "from_state": "approved",
                "to_state": "published",
                "at": now - timedelta(days=5),
                "comment": "",
            }
            for event_id in event_ids
        ],
    )
    return library_id, event_ids


async def _accounts(conn: AsyncConnection, emails: list[str], now: datetime) -> None:
    """Users who can log in with ``PASSWORD``, hashed once with the production profile."""
    from webapp.auth.passwords import Passwords

    password_hash = await Passwords("argon2id").hash(PASSWORD)
    await _many(
        conn,
        users,
        [
            {
                "email": email, "name": f"Bench {n}", "password_hash": password_hash,
                "locale": None, "is_active": True, "is_superuser": False, "created_at": now,
                "password_changed_at": now,
            }
            for n, email in enumerate(emails)
        ],
    )  # fmt: skip
