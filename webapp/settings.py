"""One frozen Settings object, read from the environment once at start.

Nothing else in the code base reads ``os.environ``. A bad value raises
:class:`ConfigError` whose message is one line naming the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from invites.sms.quiet_hours import QuietHours
from invites.sms.twilio_provider import validate_settings as validate_twilio

SUPPORTED_LOCALES = ("sv", "da", "nb", "en")
SMS_PROVIDERS = ("console", "twilio")
MAIL_PROVIDERS = ("console", "smtp")


class ConfigError(Exception):
    """A configuration value is missing or wrong; str() is one line naming the variable."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    # Not in repr (a traceback's locals, a debug line): the key signs sessions and links, and
    # a PostgreSQL URL may hold a password (docs/security.md).
    database_url: str = field(repr=False)
    secret_key: str = field(repr=False)
    base_url: str = "http://127.0.0.1:8000"
    timezone: str = "Europe/Stockholm"
    locale: str = "sv"
    sms_provider: str = "console"
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_base: str = ""
    # E-mail: "console" (development: kept for /console/messages) or "smtp".
    mail_provider: str = "console"
    mail_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    auto_migrate: bool = True
    session_days: int = 14
    password_reset_hours: int = 2
    invitation_days: int = 14
    login_limit_per_account: int = 5
    login_limit_per_address: int = 20
    login_limit_window_seconds: int = 900
    # Public forms that need no account (RSVPs, volunteer sign-ups): sends per address and
    # window. Generous: a library's public Wi-Fi puts many people behind one address.
    public_form_limit_per_address: int = 60
    public_form_limit_window_seconds: int = 600
    log_level: str = "INFO"
    # "text" (lines for people) or "json" (one object per line, for log collectors).
    log_format: str = "text"
    # One line per request (method, matched route, status, time), see webapp/metrics.py.
    access_log: bool = True
    # A bearer token for /metrics; without one, only this machine (loopback) may read it.
    metrics_token: str = field(default="", repr=False)
    # Calendars: how often apps should fetch feeds, how long cancelled dates stay in feeds
    # (with STATUS:CANCELLED), how far back feeds go, and whether a cancelled date's title
    # also says so (some calendar apps hide cancelled entries without a word).
    calendar_refresh_minutes: int = 60
    calendar_cancelled_days: int = 30
    calendar_past_days: int = 90
    calendar_mark_cancelled: bool = True
    # Contacts not used (no message, no change) for this many months are deleted.
    contact_retention_months: int = 24
    # Sign-ups keep their name and number this many days after their date ended.
    rsvp_retention_days: int = 90
    # SMS: no delivery in these hours of the recipient's day (held until they end); how many
    # messages a dispatcher sends at once and tries each; where the dispatcher runs ("app":
    # inside each app process; "worker": only in `samspel worker` processes).
    sms_quiet_hours: QuietHours = field(default_factory=lambda: QuietHours(time(21), time(8)))
    sms_concurrency: int = 8
    sms_max_attempts: int = 6
    sms_dispatcher: str = "app"
    # How long a claimed message is left to its dispatcher before another may send it.
    sms_lease_seconds: int = 120
    sms_retry_seconds: int = 20
    rsvp_offer_hours: int = 24
    rsvp_reminder_hours: int = 24
    volunteer_reminder_hours: int = 24
    # The price of one SMS segment, for the composer's estimate (Twilio's price list).
    sms_segment_price: str = "0.45"
    sms_currency: str = "SEK"
    # Who may show the embeddable program (/embed/…) in a frame: a CSP frame-ancestors list.
    embed_frame_ancestors: str = "*"
    # The library that runs this deployment (its slug): its admins keep the accessibility
    # statement and the privacy contact. Empty: the oldest library.
    operator: str = ""
    # Not an environment variable: only the test suite picks the cheap profile.
    password_hashing: str = "argon2id"  # noqa: S105 - a profile name, not a password

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


# Every variable Settings reads, with a one-line description. docs/configuration.md must
# list each of them (a test checks it).
VARIABLES: dict[str, str] = {
    "SAMSPEL_INSTANCE_PATH": "folder for the SQLite file, the generated secret key and uploads",
    "SAMSPEL_DATABASE_URL": "SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://…",
    "SAMSPEL_SECRET_KEY": "signs cookies and links; generated and kept in the instance folder",
    "SAMSPEL_BASE_URL": "public address, used in links, cookies (Secure when https)",
    "SAMSPEL_TIMEZONE": "IANA time zone of the service, default Europe/Stockholm",
    "SAMSPEL_LOCALE": "default UI language: sv, da, nb or en",
    "SAMSPEL_SMS_PROVIDER": "console (development) or twilio",
    "SAMSPEL_AUTO_MIGRATE": "migrate the database on start (default on for SQLite)",
    "SAMSPEL_SESSION_DAYS": "how long a login lasts without activity",
    "SAMSPEL_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "SAMSPEL_LOG_FORMAT": "text (default) or json: one JSON object per log line",
    "SAMSPEL_ACCESS_LOG": "one log line per request, with its route, never its path (on)",
    "SAMSPEL_METRICS_TOKEN": "bearer token for /metrics; unset: loopback clients only",
    "SAMSPEL_CALENDAR_REFRESH_MINUTES": "how often calendar apps should fetch feeds (60)",
    "SAMSPEL_CALENDAR_CANCELLED_DAYS": "days a cancelled date stays in feeds as CANCELLED (30)",
    "SAMSPEL_CALENDAR_PAST_DAYS": "days of past dates that feeds keep (90)",
    "SAMSPEL_CALENDAR_MARK_CANCELLED": "also put 'Cancelled:' in cancelled titles (on)",
    "SAMSPEL_CONTACT_RETENTION_MONTHS": "months after its last use that a contact is deleted (24)",
    "SAMSPEL_RSVP_RETENTION_DAYS": "days after its date that a sign-up's name and number go (90)",
    "SAMSPEL_SMS_QUIET_HOURS": "hours without SMS delivery, recipient's time: 21:00-08:00",
    "SAMSPEL_SMS_CONCURRENCY": "messages a dispatcher sends at once (8)",
    "SAMSPEL_SMS_MAX_ATTEMPTS": "tries per message before it fails (6)",
    "SAMSPEL_SMS_DISPATCHER": "where SMS are delivered from: app (default) or worker",
    "SAMSPEL_SMS_LEASE_SECONDS": "seconds before a dead dispatcher's messages are sent by another",
    "SAMSPEL_SMS_RETRY_SECONDS": "seconds before the first retry of a message (then doubling)",
    "SAMSPEL_RSVP_OFFER_HOURS": "hours the first on a waitlist has to claim a freed place",
    "SAMSPEL_RSVP_REMINDER_HOURS": "hours before a date its reminder SMS goes out",
    "SAMSPEL_VOLUNTEER_REMINDER_HOURS": "hours before a shift its reminder SMS goes out",
    "SAMSPEL_SMS_SEGMENT_PRICE": "price of one SMS segment for cost estimates (0.45)",
    "SAMSPEL_SMS_CURRENCY": "currency of that price, ISO 4217 (SEK)",
    "SAMSPEL_EMBED_FRAME_ANCESTORS": "sites that may frame the embeddable program (CSP list)",
    "SAMSPEL_OPERATOR": "slug of the library that runs the service (default: the oldest)",
    "SAMSPEL_MAIL_PROVIDER": "console (development) or smtp",
    "SAMSPEL_MAIL_FROM": "sender of e-mail, like Samspel <noreply@bibliotek.example>",
    "SAMSPEL_SMTP_HOST": "SMTP server (smtp provider)",
    "SAMSPEL_SMTP_PORT": "SMTP port (587)",
    "SAMSPEL_SMTP_SECURITY": "starttls (default), tls or none",
    "SAMSPEL_SMTP_USERNAME": "SMTP user name, if the server wants a login",
    "SAMSPEL_SMTP_PASSWORD": "SMTP password",
    "TWILIO_ACCOUNT_SID": "Twilio account SID (twilio provider)",
    "TWILIO_AUTH_TOKEN": "Twilio auth token (twilio provider)",
    "TWILIO_FROM": "sender number or alphanumeric sender ID",
    "TWILIO_MESSAGING_SERVICE_SID": "Twilio messaging service, instead of TWILIO_FROM",
    "TWILIO_API_BASE": "override of Twilio's API base URL (tests, proxies)",
}


def _default_instance_path() -> Path:
    return Path.cwd() / "instance"


def _secret_key(env: Mapping[str, str], instance: Path) -> str:
    value = env.get("SAMSPEL_SECRET_KEY", "").strip()
    if value:
        if len(value) < 32:
            raise ConfigError("SAMSPEL_SECRET_KEY must be at least 32 characters long")
        return value
    key_file = instance / "secret_key"
    if key_file.exists():
        stored = key_file.read_text().strip()
        if len(stored) >= 32:
            return stored
    # Processes starting together (an app and its workers) must agree on one key: the key
    # is written to a temporary file and linked into place only if no key is there yet, so
    # the first process wins and the others read its key.
    key_file.parent.mkdir(parents=True, exist_ok=True)
    staged = key_file.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48) + "\n")
    try:
        if key_file.exists():  # a short or empty file from an older version: replace it
            os.replace(staged, key_file)
        else:
            try:
                os.link(staged, key_file)
            except FileExistsError:
                pass  # another process was first
    finally:
        staged.unlink(missing_ok=True)
    return key_file.read_text().strip()


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    url = env.get("SAMSPEL_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite+aiosqlite:///{instance / 'samspel.sqlite3'}"
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+asyncpg://" + url.removeprefix(prefix)
    if not url.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        raise ConfigError(
            "SAMSPEL_DATABASE_URL must start with sqlite+aiosqlite:/// or postgresql+asyncpg://"
            f", not {url.split(':', 1)[0]!r}"
        )
    return url


def _base_url(env: Mapping[str, str]) -> str:
    raw = env.get("SAMSPEL_BASE_URL", "").strip() or "http://127.0.0.1:8000"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"SAMSPEL_BASE_URL must be an http(s) address, not {raw!r}")
    if parts.query or parts.fragment:
        raise ConfigError("SAMSPEL_BASE_URL must not have a query or fragment")
    return raw.rstrip("/")


_FRAME_ANCESTOR = re.compile(
    r"\*|'self'|https?:|(?:https?://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?/?",
    re.IGNORECASE,
)


def _frame_ancestors(env: Mapping[str, str]) -> str:
    """A CSP ``frame-ancestors`` source list: ``*``, ``'self'``, ``'none'`` alone, or sites
    like ``https://www.bibliotek.example https://*.kommun.example``."""
    raw = env.get("SAMSPEL_EMBED_FRAME_ANCESTORS", "").strip() or "*"
    sources = raw.split()
    if sources == ["'none'"] or all(_FRAME_ANCESTOR.fullmatch(s) for s in sources):
        return " ".join(sources)
    raise ConfigError(
        "SAMSPEL_EMBED_FRAME_ANCESTORS must be * or sites like https://www.example.org "
        f"separated by spaces, not {raw!r}"
    )


def _quiet_hours(env: Mapping[str, str]) -> QuietHours:
    raw = env.get("SAMSPEL_SMS_QUIET_HOURS", "").strip() or "21:00-08:00"
    if raw.lower() in ("none", "off"):
        return QuietHours(time(0), time(0))
    start, _sep, end = raw.partition("-")
    try:
        return QuietHours(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    except ValueError:
        raise ConfigError(
            f"SAMSPEL_SMS_QUIET_HOURS must be like 21:00-08:00 (or off), not {raw!r}"
        ) from None


def _price(env: Mapping[str, str]) -> str:
    raw = env.get("SAMSPEL_SMS_SEGMENT_PRICE", "").strip() or "0.45"
    try:
        if Decimal(raw) < 0:
            raise ValueError(raw)
    except (InvalidOperation, ValueError):
        raise ConfigError(
            f"SAMSPEL_SMS_SEGMENT_PRICE must be a price like 0.45, not {raw!r}"
        ) from None
    return raw


def _operator(env: Mapping[str, str]) -> str:
    raw = env.get("SAMSPEL_OPERATOR", "").strip()
    if raw and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", raw):
        raise ConfigError(
            f"SAMSPEL_OPERATOR must be a library's slug like malmo-bibliotek, not {raw!r}"
        )
    return raw


def _choice(env: Mapping[str, str], name: str, options: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip() or default
    if value not in options:
        raise ConfigError(f"{name} must be one of {', '.join(options)}, not {value!r}")
    return value


def _metrics_token(env: Mapping[str, str]) -> str:
    token = env.get("SAMSPEL_METRICS_TOKEN", "").strip()
    if token and len(token) < 16:
        raise ConfigError("SAMSPEL_METRICS_TOKEN must be at least 16 characters long")
    return token


def _mail(env: Mapping[str, str]) -> dict[str, object]:
    provider = _choice(env, "SAMSPEL_MAIL_PROVIDER", MAIL_PROVIDERS, "console")
    values: dict[str, object] = {
        "mail_provider": provider,
        "mail_from": env.get("SAMSPEL_MAIL_FROM", "").strip(),
        "smtp_host": env.get("SAMSPEL_SMTP_HOST", "").strip(),
        "smtp_port": _int(env, "SAMSPEL_SMTP_PORT", 587),
        "smtp_security": _choice(
            env, "SAMSPEL_SMTP_SECURITY", ("starttls", "tls", "none"), "starttls"
        ),
        "smtp_username": env.get("SAMSPEL_SMTP_USERNAME", "").strip(),
        "smtp_password": env.get("SAMSPEL_SMTP_PASSWORD", ""),
    }
    if provider == "smtp":
        if not values["smtp_host"]:
            raise ConfigError("SAMSPEL_SMTP_HOST is required when SAMSPEL_MAIL_PROVIDER is smtp")
        sender = str(values["mail_from"])
        if not re.fullmatch(r"(?:[^<>]*<)?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?", sender):
            raise ConfigError(
                "SAMSPEL_MAIL_FROM must be an address like Samspel <noreply@bibliotek.example>"
                f" when SAMSPEL_MAIL_PROVIDER is smtp, not {sender!r}"
            )
        if values["smtp_password"] and not values["smtp_username"]:
            raise ConfigError("SAMSPEL_SMTP_PASSWORD is set but SAMSPEL_SMTP_USERNAME is not")
    return values


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (``os.environ`` when not given)."""
    env = os.environ if env is None else env
    instance = Path(env.get("SAMSPEL_INSTANCE_PATH", "").strip() or _default_instance_path())
    instance = instance.resolve()

    timezone = env.get("SAMSPEL_TIMEZONE", "").strip() or "Europe/Stockholm"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"SAMSPEL_TIMEZONE is not a known time zone: {timezone!r}") from None

    locale = env.get("SAMSPEL_LOCALE", "").strip() or "sv"
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"SAMSPEL_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, not {locale!r}"
        )

    sms_provider = env.get("SAMSPEL_SMS_PROVIDER", "").strip() or "console"
    if sms_provider not in SMS_PROVIDERS:
        raise ConfigError(
            f"SAMSPEL_SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, not {sms_provider!r}"
        )
    twilio = {
        name: env.get(name, "").strip()
        for name in (
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_FROM",
            "TWILIO_MESSAGING_SERVICE_SID",
            "TWILIO_API_BASE",
        )
    }
    if sms_provider == "twilio":
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
            if not twilio[name]:
                raise ConfigError(f"{name} is required when SAMSPEL_SMS_PROVIDER is twilio")
        if not (twilio["TWILIO_FROM"] or twilio["TWILIO_MESSAGING_SERVICE_SID"]):
            raise ConfigError(
                "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with the twilio provider"
            )
        problems = validate_twilio(
            account_sid=twilio["TWILIO_ACCOUNT_SID"],
            auth_token=twilio["TWILIO_AUTH_TOKEN"],
            from_number=twilio["TWILIO_FROM"],
            messaging_service_sid=twilio["TWILIO_MESSAGING_SERVICE_SID"],
            api_base=twilio["TWILIO_API_BASE"],
        )
        if problems:
            raise ConfigError(" ".join(problems))

    log_level = (env.get("SAMSPEL_LOG_LEVEL", "").strip() or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"SAMSPEL_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}"
        )

    database_url = _database_url(env, instance)
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key=_secret_key(env, instance),
        base_url=_base_url(env),
        timezone=timezone,
        locale=locale,
        sms_provider=sms_provider,
        twilio_account_sid=twilio["TWILIO_ACCOUNT_SID"],
        twilio_auth_token=twilio["TWILIO_AUTH_TOKEN"],
        twilio_from=twilio["TWILIO_FROM"],
        twilio_messaging_service_sid=twilio["TWILIO_MESSAGING_SERVICE_SID"],
        twilio_api_base=twilio["TWILIO_API_BASE"],
        auto_migrate=_bool(env, "SAMSPEL_AUTO_MIGRATE", database_url.startswith("sqlite")),
        session_days=_int(env, "SAMSPEL_SESSION_DAYS", 14),
        calendar_refresh_minutes=_int(env, "SAMSPEL_CALENDAR_REFRESH_MINUTES", 60),
        calendar_cancelled_days=_int(env, "SAMSPEL_CALENDAR_CANCELLED_DAYS", 30, minimum=0),
        calendar_past_days=_int(env, "SAMSPEL_CALENDAR_PAST_DAYS", 90, minimum=0),
        calendar_mark_cancelled=_bool(env, "SAMSPEL_CALENDAR_MARK_CANCELLED", True),
        contact_retention_months=_int(env, "SAMSPEL_CONTACT_RETENTION_MONTHS", 24),
        rsvp_retention_days=_int(env, "SAMSPEL_RSVP_RETENTION_DAYS", 90),
        sms_quiet_hours=_quiet_hours(env),
        sms_concurrency=_int(env, "SAMSPEL_SMS_CONCURRENCY", 8),
        sms_max_attempts=_int(env, "SAMSPEL_SMS_MAX_ATTEMPTS", 6),
        sms_dispatcher=_choice(env, "SAMSPEL_SMS_DISPATCHER", ("app", "worker"), "app"),
        sms_lease_seconds=_int(env, "SAMSPEL_SMS_LEASE_SECONDS", 120),
        sms_retry_seconds=_int(env, "SAMSPEL_SMS_RETRY_SECONDS", 20),
        rsvp_offer_hours=_int(env, "SAMSPEL_RSVP_OFFER_HOURS", 24),
        rsvp_reminder_hours=_int(env, "SAMSPEL_RSVP_REMINDER_HOURS", 24),
        volunteer_reminder_hours=_int(env, "SAMSPEL_VOLUNTEER_REMINDER_HOURS", 24),
        sms_segment_price=_price(env),
        sms_currency=(env.get("SAMSPEL_SMS_CURRENCY", "").strip() or "SEK").upper()[:3],
        log_level=log_level,
        **_mail(env),  # type: ignore[arg-type]
        log_format=_choice(env, "SAMSPEL_LOG_FORMAT", ("text", "json"), "text"),
        access_log=_bool(env, "SAMSPEL_ACCESS_LOG", True),
        metrics_token=_metrics_token(env),
        embed_frame_ancestors=_frame_ancestors(env),
        operator=_operator(env),
    )
