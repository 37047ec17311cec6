import subprocess
import sys
from pathlib import Path

import pytest

from webapp.settings import ConfigError, load_settings


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SAMSPEL_INSTANCE_PATH": str(tmp_path), **values}


def test_defaults_work_without_any_variable(tmp_path):
    settings = load_settings(env(tmp_path))
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'samspel.sqlite3'}"
    assert settings.timezone == "Europe/Stockholm"
    assert settings.locale == "sv"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.sms_provider == "console"
    assert settings.auto_migrate is True
    assert settings.embed_frame_ancestors == "*"
    assert not settings.https


def test_processes_starting_together_agree_on_one_secret_key(tmp_path):
    """An app and its workers started at once on a new instance folder: one key for all."""
    script = (
        "import sys; from webapp.settings import load_settings; "
        "print(load_settings({'SAMSPEL_INSTANCE_PATH': sys.argv[1]}).secret_key)"
    )
    starts = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", script, str(tmp_path / "instance")],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in starts}
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings(env(tmp_path)).secret_key
    second = load_settings(env(tmp_path)).secret_key
    assert first == second and len(first) >= 32
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0, "the key file is readable by others"


def test_explicit_values(tmp_path):
    settings = load_settings(
        env(
            tmp_path,
            SAMSPEL_DATABASE_URL="postgresql://u@db/samspel",
            SAMSPEL_SECRET_KEY="k" * 40,
            SAMSPEL_BASE_URL="https://samspel.example/",
            SAMSPEL_TIMEZONE="Europe/Oslo",
            SAMSPEL_LOCALE="nb",
        )
    )
    assert settings.database_url == "postgresql+asyncpg://u@db/samspel"
    assert settings.secret_key == "k" * 40
    assert settings.base_url == "https://samspel.example"
    assert settings.https
    assert settings.timezone == "Europe/Oslo"
    assert settings.locale == "nb"
    assert settings.auto_migrate is False, "PostgreSQL is migrated by `samspel migrate`"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SAMSPEL_DATABASE_URL", "mysql://root@localhost/x"),
        ("SAMSPEL_SECRET_KEY", "short"),
        ("SAMSPEL_BASE_URL", "ftp://example.org"),
        ("SAMSPEL_BASE_URL", "not a url"),
        ("SAMSPEL_TIMEZONE", "Europe/Atlantis"),
        ("SAMSPEL_LOCALE", "fi"),
        ("SAMSPEL_SMS_PROVIDER", "pigeon"),
        ("SAMSPEL_AUTO_MIGRATE", "maybe"),
        ("SAMSPEL_SESSION_DAYS", "two"),
        ("SAMSPEL_SESSION_DAYS", "0"),
        ("SAMSPEL_LOG_LEVEL", "LOUD"),
        ("SAMSPEL_EMBED_FRAME_ANCESTORS", "https://x.example; script-src *"),
        ("SAMSPEL_EMBED_FRAME_ANCESTORS", "'none' https://x.example"),
    ],
)
def test_bad_value_names_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError) as error:
        load_settings(env(tmp_path, **{name: value}))
    message = str(error.value)
    assert name in message
    assert "\n" not in message


def test_embed_frame_ancestors_is_a_list_of_sites(tmp_path):
    value = "https://www.bibliotek.example  https://*.kommun.example 'self'"
    settings = load_settings(env(tmp_path, SAMSPEL_EMBED_FRAME_ANCESTORS=value))
    assert settings.embed_frame_ancestors == (
        "https://www.bibliotek.example https://*.kommun.example 'self'"
    )


def test_twilio_provider_needs_credentials(tmp_path):
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        load_settings(env(tmp_path, SAMSPEL_SMS_PROVIDER="twilio"))


def test_bad_value_stops_start_up_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "migrate"],
        env={
            "SAMSPEL_INSTANCE_PATH": str(tmp_path),
            "SAMSPEL_TIMEZONE": "Mars/Olympus",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SAMSPEL_TIMEZONE" in lines[0]


def test_every_variable_is_documented():
    from webapp.settings import VARIABLES

    reference = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    missing = [name for name in VARIABLES if f"`{name}`" not in reference]
    assert not missing, f"docs/configuration.md does not describe {missing}"


def test_every_variable_read_is_listed():
    """VARIABLES (and so the documentation) names every variable load_settings reads."""
    import re

    from webapp.settings import VARIABLES

    source = (Path(__file__).parents[2] / "webapp" / "settings.py").read_text()
    code = source.split("def _default_instance_path", 1)[1]  # after the VARIABLES table
    read = set(re.findall(r'"((?:SAMSPEL|TWILIO)_[A-Z_]+)"', code))
    assert read, "no variables found: has settings.py changed shape?"
    assert read - set(VARIABLES) == set(), "read but not listed in VARIABLES"
    assert set(VARIABLES) - read == set(), "listed in VARIABLES but never read"


def test_documented_defaults_match_the_code():
    """The default column of docs/configuration.md says what an empty environment gives."""
    import re
    from dataclasses import fields

    from webapp.settings import Settings, load_settings

    reference = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    documented = dict(re.findall(r"^\| `(SAMSPEL_[A-Z_]+)` \| `([^`]*)` \|", reference, re.M))
    settings = load_settings({"SAMSPEL_INSTANCE_PATH": "/tmp/samspel-doc-defaults"})
    by_name = {f"SAMSPEL_{f.name.upper()}": getattr(settings, f.name) for f in fields(Settings)}
    checked = 0
    for name, default in documented.items():
        default = default.replace("<instance>", "/tmp/samspel-doc-defaults")
        if (
            name in by_name
            and isinstance(by_name[name], (int, str))
            and not isinstance(by_name[name], bool)
        ):
            assert str(by_name[name]) == default, f"{name}: documented {default!r}"
            checked += 1
    assert checked >= 15


# Files that hand the environment on to a child process without reading settings from it.
PASS_THE_ENVIRONMENT_ON = {
    # pg_dump gets the operator's environment (PGSSLMODE, PGSSLROOTCERT, …) plus PGPASSWORD.
    "webapp/backup.py",
}


def test_nothing_else_reads_the_environment():
    root = Path(__file__).parents[2]
    offenders = [
        str(path.relative_to(root))
        for folder in ("webapp", "invites")
        for path in (root / folder).rglob("*.py")
        if path.name != "settings.py"
        and str(path.relative_to(root)) not in PASS_THE_ENVIRONMENT_ON
        and ("os.environ" in path.read_text() or "getenv(" in path.read_text())
    ]
    assert not offenders, f"only webapp/settings.py reads the environment: {offenders}"


def test_deployments_always_hash_passwords_with_the_full_argon2id_profile(tmp_path):
    from argon2 import extract_parameters, profiles

    from webapp.auth.passwords import Passwords

    settings = load_settings(env(tmp_path, SAMSPEL_PASSWORD_HASHING="argon2id-test"))
    assert settings.password_hashing == "argon2id"
    stored = Passwords(settings.password_hashing)._hasher.hash("a password")
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY
