"""What services need from the running application, built once in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field

from invites.console import ConsoleProvider, OutgoingMessage
from webapp.auth.passwords import Passwords
from webapp.calendars.cache import FeedCache
from webapp.calendars.freshness import Freshness
from webapp.console import store as console_store
from webapp.db import Database
from webapp.settings import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    db: Database
    mail: ConsoleProvider
    passwords: Passwords
    # Calendar feeds this process built, and how it reads the database's calendar version.
    calendar_versions: Freshness
    feeds: FeedCache = field(default_factory=FeedCache)

    def url(self, path: str) -> str:
        return self.settings.base_url + path


def build_context(settings: Settings, db: Database) -> Context:
    async def record(message: OutgoingMessage) -> None:
        async with db.transaction() as conn:
            await console_store.record(conn, message)

    # E-mail has only the console provider so far (password resets, invitations).
    return Context(
        settings=settings,
        db=db,
        mail=ConsoleProvider(record),
        passwords=Passwords(settings.password_hashing),
        calendar_versions=Freshness(db),
    )
