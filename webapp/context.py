"""What services need from the running application, built once in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field

from invites.console import ConsoleProvider, Mailer, OutgoingMessage
from invites.smtp import SmtpProvider, SmtpSettings
from webapp.auth.passwords import Passwords
from webapp.calendars.cache import FeedCache
from webapp.calendars.freshness import Freshness
from webapp.console import store as console_store
from webapp.db import Database
from webapp.program.choices import Choices
from webapp.settings import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    db: Database
    # E-mail (password resets, invitations, notices): SMTP, or the console in development.
    mail: Mailer
    # The development provider: what it "sends" is kept for /console/messages (the console
    # SMS provider, and e-mail when no SMTP server is configured).
    console: ConsoleProvider
    passwords: Passwords
    # Calendar feeds this process built, and how it reads the database's calendar version.
    calendar_versions: Freshness
    feeds: FeedCache = field(default_factory=FeedCache)
    # The program's filter choices this process found, per calendar version.
    program_choices: Choices = field(default_factory=Choices)

    def url(self, path: str) -> str:
        return self.settings.base_url + path


def build_context(settings: Settings, db: Database) -> Context:
    async def record(message: OutgoingMessage) -> None:
        async with db.transaction() as conn:
            await console_store.record(conn, message)

    console = ConsoleProvider(record)
    mail: Mailer = console
    if settings.mail_provider == "smtp":
        mail = SmtpProvider(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=settings.smtp_password,
                sender=settings.mail_from,
            )
        )
    return Context(
        settings=settings,
        db=db,
        mail=mail,
        passwords=Passwords(settings.password_hashing),
        calendar_versions=Freshness(db),
        console=console,
    )
