"""The ``samspel`` command: serve, migrate, worker, backup, demo, createadmin."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import sys

from webapp.settings import ConfigError, Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"samspel: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _logging(settings: Settings) -> None:
    from webapp.logs import configure

    configure(settings.log_level, settings.log_format)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from webapp.app import create_app

    settings = _settings()
    _logging(settings)
    print(f"Samspel on {settings.base_url} (database: {settings.database_url.split('://')[0]})")
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level=settings.log_level.lower(),
        # Logging is configured above (webapp/logs.py); the access log is the app's own
        # (webapp/metrics.py): it names routes, not paths, which can hold tokens.
        log_config=None,
        access_log=False,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from webapp.db.migrate import upgrade

    settings = _settings()
    _logging(settings)
    upgrade(settings.database_url, args.revision)
    print(f"Database is at revision {args.revision}.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from webapp.worker import run_worker

    settings = _settings()
    _logging(settings)
    return asyncio.run(run_worker(settings, once=args.once, interval=args.interval))


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from webapp import clock
    from webapp.backup import BackupError, default_name, make_backup

    settings = _settings()
    _logging(settings)
    name = default_name(settings.database_url, clock.now())
    if args.to is None:
        target = settings.instance_path / "backups" / name
    else:
        target = Path(args.to)
        if target.is_dir() or args.to.endswith("/"):
            target = target / name
    try:
        made = make_backup(settings.database_url, target.resolve(), keep=args.keep)
    except BackupError as exc:
        print(f"samspel: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written: {made.path} ({made.size:,} bytes)")
    for old in made.removed:
        print(f"Removed an older backup: {old}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from webapp.demo import seed_demo

    settings = _settings()
    _logging(settings)
    logins = asyncio.run(seed_demo(settings))
    print(f"\nDemo logins (password for all: {logins.password})")
    for role, email in logins.accounts:
        print(f"  {role:<40} {email}")
    print(f"\nOpen {settings.base_url}/login\n")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    from webapp.auth.passwords import MIN_LENGTH
    from webapp.orgs.service import NewAccount
    from webapp.problems import Invalid
    from webapp.provisioning import create_admin

    settings = _settings()
    _logging(settings)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("samspel: the passwords differ", file=sys.stderr)
            return 1
    if len(password) < MIN_LENGTH:
        print(f"samspel: the password needs at least {MIN_LENGTH} characters", file=sys.stderr)
        return 1
    account = NewAccount(
        name=args.name, email=args.email.strip().lower(), password=password, locale=None
    )
    try:
        org_id, user_id = asyncio.run(
            create_admin(settings, account=account, library=args.library, country=args.country)
        )
    except Invalid as exc:
        print(f"samspel: {'; '.join(exc.errors.values())}", file=sys.stderr)
        return 1
    print(f"{account.email} is admin of {args.library} (organisation {org_id}).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="samspel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted for X-Forwarded-For"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(func=cmd_migrate)

    worker = sub.add_parser(
        "worker", help="run background jobs: the SMS outbox, reminders, housekeeping"
    )
    worker.add_argument("--once", action="store_true", help="run one round and exit")
    worker.add_argument("--interval", type=float, default=30.0, help="seconds between rounds")
    worker.set_defaults(func=cmd_worker)

    backup = sub.add_parser(
        "backup", help="copy the database while the app runs (SQLite; pg_dump on PostgreSQL)"
    )
    backup.add_argument(
        "--to", help="file or folder for the backup (default: <instance>/backups/samspel-<time>)"
    )
    backup.add_argument(
        "--keep", type=int, default=None, help="keep only the newest N samspel-* backups there"
    )
    backup.set_defaults(func=cmd_backup)

    demo = sub.add_parser("demo", help="seed demo data (once) and print the demo logins")
    demo.set_defaults(func=cmd_demo)

    admin = sub.add_parser("createadmin", help="create a library and its admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--library", required=True, help="library name (created if missing)")
    admin.add_argument("--country", default="SE", help="ISO country code of the library")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(func=cmd_createadmin)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
