"""A fresh, migrated SQLite database with one library's big public program, by bulk INSERTs.

The rows are written straight into the tables (SQLAlchemy Core, one ``executemany`` per
table) rather than through the services: the benchmark measures reading feeds, and going
through the workflow for 5,000 events would take minutes. The rows are what the workflow
leaves behind for a published event: the event in state ``published`` with an active lead
partner, one ``scheduled`` date (position 1) and a ``publish`` transition.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, select

from webapp.db.migrate import upgrade
from webapp.db.tables import (
    event_partners,
    event_transitions,
    events,
    locations,
    occurrences,
    organisations,
    rooms,
)
from webapp.events.vocabulary import AUDIENCES, LANGUAGES

LIBRARY_SLUG = "bench-bibliotek"
ZONE = "Europe/Stockholm"
DAYS = 365  # the events are spread over the next twelve months
SLOT_HOURS = (10, 12, 14, 16, 18)  # two-hour slots, local time

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


@dataclass(frozen=True)
class Seeded:
    database_url: str
    library_id: int
    library_slug: str
    events: int


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


def seed(folder: Path, count: int, *, seed_value: int = 5000) -> Seeded:
    """A migrated SQLite database in ``folder`` with ``count`` published events."""
    path = folder / "bench.sqlite3"
    async_url = f"sqlite+aiosqlite:///{path}"
    upgrade(async_url)
    rng = random.Random(seed_value)
    now = datetime.now(UTC).replace(microsecond=0)
    first_day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            library_id = conn.execute(
                insert(organisations).returning(organisations.c.id),
                [
                    {
                        "kind": "library",
                        "name": "Benchby stadsbibliotek",
                        "slug": LIBRARY_SLUG,
                        "status": "active",
                        "email": "",
                        "country": "SE",
                        "timezone": ZONE,
                        "created_at": now,
                    }
                ],
            ).scalar_one()
            association_id = conn.execute(
                insert(organisations).returning(organisations.c.id),
                [
                    {
                        "kind": "association",
                        "name": "Föreningen Nya grannar i Benchby",
                        "slug": "nya-grannar-benchby",
                        "status": "active",
                        "email": "kontakt@nyagrannar.example",
                        "website": "https://nyagrannar.example",
                        "country": "SE",
                        "created_at": now,
                    }
                ],
            ).scalar_one()
            room_ids: list[int] = []
            for name, street, postal, city, room_names in (
                ("Huvudbiblioteket", "Kung Oscars väg 11", "211 47", "Benchby",
                 ("Stora salen", "Läsesalongen")),
                ("Filial Rosengård", "Amiralsgatan 2", "214 32", "Benchby",
                 ("Garaget", "Barnavdelningen")),
            ):  # fmt: skip
                location_id = conn.execute(
                    insert(locations).returning(locations.c.id),
                    [
                        {
                            "library_id": library_id,
                            "name": name,
                            "street": street,
                            "postal_code": postal,
                            "city": city,
                            "country": "SE",
                            "created_at": now,
                        }
                    ],
                ).scalar_one()
                for room_name in room_names:
                    room_ids.append(
                        conn.execute(
                            insert(rooms).returning(rooms.c.id),
                            [
                                {
                                    "location_id": location_id,
                                    "name": room_name,
                                    "capacity": 40,
                                    "accessibility": ["wheelchair", "hearing_loop"],
                                    "equipment": ["projector"],
                                    "created_at": now,
                                }
                            ],
                        ).scalar_one()
                    )
            location_of = dict(conn.execute(select(rooms.c.id, rooms.c.location_id)).all())

            slots = _slots(count, room_ids, first_day)
            event_rows: list[dict[str, Any]] = []
            for index, (room_id, starts) in enumerate(slots):
                event_rows.append(
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
                )
            conn.execute(insert(events), event_rows)
            event_ids = list(
                conn.execute(
                    select(events.c.id)
                    .where(events.c.library_id == library_id)
                    .order_by(events.c.id)
                ).scalars()
            )
            conn.execute(
                insert(event_partners),
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
            conn.execute(
                insert(occurrences),
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
            conn.execute(
                insert(event_transitions),
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
    finally:
        engine.dispose()
    return Seeded(
        database_url=async_url, library_id=library_id, library_slug=LIBRARY_SLUG, events=count
    )
