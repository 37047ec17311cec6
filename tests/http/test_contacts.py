"""The contact book as its users meet it: adding people with their consent, finding them,
importing a list after checking every row, and the duties towards the people in it —
export, deletion, a "no more SMS" that every organisation honours, and the retention rule."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from webapp import clock
from webapp.contacts import phones
from webapp.contacts import service as contacts
from webapp.db.tables import contact_imports, contact_tags, opt_outs
from webapp.db.tables import contacts as contacts_table

FIXTURES = Path(__file__).parents[1] / "fixtures" / "contacts"
AYMAN = {
    "name": "Ayman Haddad",
    "phone": "070-123 45 67",
    "language": "ar",
    "tags": "volunteer, Arabic",
    "consent_source": "form",
    "consent_on": "2026-09-01",
    "consent_note": "Invitations to the language café by SMS.",
}


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _base(world, org="association"):  # type: ignore[no-untyped-def]
    return f"/orgs/{getattr(world, org).slug}/contacts"


async def _rows(ctx, table, *where):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(select(table).where(*where)))


def _add(web, world, values=None, org="association"):  # type: ignore[no-untyped-def]
    response = web.post(f"{_base(world, org)}/new", values or AYMAN)
    assert response.status_code == 303, response.text
    return web.run(_rows, web.ctx, contacts_table)[-1]


def test_adding_a_contact_with_consent(web, world):
    web.login("member@assoc.test")
    assert web.get(_base(world)).status_code == 200
    row = _add(web, world)
    assert row.phone == "+46701234567"
    assert row.consent_source == "form" and row.consent_on.isoformat() == "2026-09-01"
    assert row.consent_by is not None
    tags = web.run(_rows, web.ctx, contact_tags, contact_tags.c.contact_id == row.id)
    assert sorted(t.tag for t in tags) == ["Arabic", "volunteer"]
    page = web.get(_base(world)).text
    assert "Ayman Haddad" in page and "+46 70 123 45 67" in page


def test_bad_input_is_shown_next_to_the_field_and_kept(web, world):
    web.login("member@assoc.test")
    response = web.post(
        f"{_base(world)}/new",
        {**AYMAN, "phone": "08-123 456 78", "consent_source": "", "consent_on": "2031-01-01"},
    )
    assert response.status_code == 400
    page = response.text
    assert 'id="phone-error"' in page and "cannot receive SMS" in page
    assert 'id="consent_source-error"' in page
    assert "cannot be in the future" in page
    assert 'value="08-123 456 78"' in page  # what was typed is kept
    assert "Invitations to the language café by SMS." in page
    assert web.run(_rows, web.ctx, contacts_table) == []


def test_a_number_is_in_the_book_once(web, world):
    web.login("member@assoc.test")
    _add(web, world)
    response = web.post(f"{_base(world)}/new", {**AYMAN, "phone": "+46 70 123 45 67"})
    assert response.status_code == 400
    assert "already in the contact book" in response.text


def test_editing_searching_and_tags(web, world):
    web.login("member@assoc.test")
    row = _add(web, world)
    _add(web, world, {**AYMAN, "name": "Lina Berg", "phone": "0702345678", "tags": "newsletter"})
    response = web.post(f"{_base(world)}/{row.id}", {**AYMAN, "name": "Ayman H.", "tags": "café"})
    assert response.status_code == 303
    page = web.get(f"{_base(world)}?q=ayman").text
    assert "Ayman H." in page and "Lina Berg" not in page
    assert "Lina Berg" in web.get(f"{_base(world)}?q=070-234 56").text  # as it is written
    assert "Ayman H." not in web.get(f"{_base(world)}?q=070-234 56").text
    page = web.get(f"{_base(world)}?tag=newsletter").text
    assert "Lina Berg" in page and "Ayman H." not in page
    form = web.get(f"{_base(world)}/{row.id}").text
    assert 'value="café"' in form and 'value="+46 70 123 45 67"' in form


def test_export_has_everything_about_the_contact(web, world):
    web.login("member@assoc.test")
    row = _add(web, world)
    response = web.get(f"{_base(world)}/{row.id}/export.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    data = json.loads(response.text)
    person = data["contact"]
    assert person["name"] == "Ayman Haddad" and person["phone"] == "+46701234567"
    assert sorted(person["tags"]) == ["Arabic", "volunteer"]
    assert person["consent"] == {
        "source": "form",
        "date": "2026-09-01",
        "note": "Invitations to the language café by SMS.",
    }
    assert data["organisation"]["slug"] == world.association.slug


def test_deleting_removes_the_contact_completely(web, world):
    web.login("member@assoc.test")
    row = _add(web, world)
    assert web.post(f"{_base(world)}/{row.id}/delete").status_code == 303
    assert web.run(_rows, web.ctx, contacts_table) == []
    assert web.run(_rows, web.ctx, contact_tags) == []
    assert web.get(f"{_base(world)}/{row.id}").status_code == 404


def test_no_more_sms_holds_for_every_organisation(web, world):
    web.login("member@assoc.test")
    row = _add(web, world)
    web.logout()
    web.login("admin@lib.test")
    other = _add(web, world, org="library")
    web.logout()
    web.login("member@assoc.test")
    response = web.post(f"{_base(world)}/{row.id}/opt-out")
    assert response.status_code == 303
    registry = web.run(_rows, web.ctx, opt_outs)
    assert [r.phone_hash for r in registry] == [phones.digest("+46701234567")]
    # The library's contact with the same number is opted out too.
    (library_row,) = web.run(_rows, web.ctx, contacts_table, contacts_table.c.id == other.id)
    assert library_row.opted_out_at is not None
    # Deleted and imported again elsewhere: still never messaged (left out of the import).
    web.post(f"{_base(world)}/{row.id}/delete")
    preview = _upload(web, world, "excel-cp1252.csv", text_override=(
        "name;phone;consent;date\nAyman;070-123 45 67;form;2026-09-01\n"
    ))  # fmt: skip
    assert "Asked for no SMS" in preview.text
    assert "This number has asked to get no SMS." in preview.text


def _upload(web, world, name, text_override=None):  # type: ignore[no-untyped-def]
    data = text_override.encode() if text_override else (FIXTURES / name).read_bytes()
    response = web.post(f"{_base(world)}/import", {}, files={"file": (name, data, "text/csv")})
    assert response.status_code == 303, response.text
    return web.get(response.headers["location"])


def test_import_shows_every_row_and_writes_nothing_until_confirmed(web, world):
    web.login("member@assoc.test")
    preview = _upload(web, world, "messy-semicolon.csv")
    assert preview.status_code == 200
    page = preview.text
    assert "Nothing has been saved yet" in page
    assert "5 new contacts will be saved" in page
    assert "1 duplicate is left out" in page
    assert "4 rows cannot be imported" in page
    for reason in (
        "The consent is missing.",
        "cannot receive SMS",
        "The date of the consent is in the future.",
        "The same number as on line 2.",
        "wrong column",
    ):
        assert reason in page
    assert web.run(_rows, web.ctx, contacts_table) == []
    import_path = re.search(r'action="([^"]+/import/\d+)"', page).group(1)
    response = web.post(import_path)
    assert response.status_code == 303
    assert response.headers["location"].endswith("?imported=5")
    rows = web.run(_rows, web.ctx, contacts_table)
    assert sorted(r.phone for r in rows) == [
        "+4520123456", "+46701234567", "+46702345678", "+46798889900", "+4741234567",
    ]  # fmt: skip
    assert all(r.consent_by is not None for r in rows)
    assert web.run(_rows, web.ctx, contact_imports) == []
    assert "5 contacts have been imported" in web.get(response.headers["location"]).text
    # The same file again: every number is now a duplicate.
    again = _upload(web, world, "messy-semicolon.csv").text
    assert "0 new contacts will be saved" in again


def test_an_import_belongs_to_whoever_uploaded_it(web, world):
    web.login("member@assoc.test")
    preview = _upload(web, world, "comma-extra-column.csv")
    path = preview.url.path
    assert "The column “Fax” is not used." in preview.text
    web.logout()
    web.login("admin@assoc.test")
    assert web.get(path).status_code == 404
    assert web.post(path).status_code == 404


def test_an_empty_or_missing_file_is_a_message(web, world):
    web.login("member@assoc.test")
    response = web.post(f"{_base(world)}/import", {}, files={"file": ("x.csv", b"", "text/csv")})
    assert response.status_code == 400
    assert 'id="file-error"' in response.text


def test_ten_thousand_rows_import_in_one_transaction(web, world):
    web.login("member@assoc.test")
    lines = ["name;phone;consent;date;tags"] + [
        f"Person {n};+467{n:08d};form;2026-09-01;list {n % 3}" for n in range(10_000)
    ]
    preview = _upload(web, world, "big.csv", text_override="\n".join(lines))
    assert "10000 new contacts will be saved" in preview.text.replace(",", "").replace("\xa0", "")
    import_path = re.search(r'action="([^"]+/import/\d+)"', preview.text).group(1)
    assert web.post(import_path).status_code == 303

    async def counts(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return (
                await conn.scalar(text("SELECT count(*) FROM contacts")),
                await conn.scalar(text("SELECT count(*) FROM contact_tags")),
            )

    assert web.run(counts, web.ctx) == (10_000, 10_000)


def test_only_the_organisations_people_see_its_contacts(web, world):
    web.login("member@assoc.test")
    row = _add(web, world)
    web.logout()
    for email in ("admin@otherassoc.test", "admin@lib.test", "staff@otherlib.test"):
        web.login(email)
        assert web.get(_base(world)).status_code == 403
        assert web.get(f"{_base(world)}/{row.id}").status_code == 403
        assert web.get(f"{_base(world)}/{row.id}/export.json").status_code == 403
        assert web.post(f"{_base(world)}/{row.id}/delete").status_code == 403
        web.logout()
    response = web.get(_base(world))
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    # A contact of another organisation is not found through this one's address.
    web.login("admin@lib.test")
    assert web.get(f"{_base(world, 'library')}/{row.id}").status_code == 404


def test_retention_removes_unused_contacts_and_old_imports(web, world):
    web.login("member@assoc.test")
    old = _add(web, world)
    recent = _add(web, world, {**AYMAN, "name": "Recent", "phone": "0702345678"})
    _upload(web, world, "comma-extra-column.csv")
    months = web.ctx.settings.contact_retention_months

    async def age(ctx):  # type: ignore[no-untyped-def]
        long_ago = clock.now() - timedelta(days=31 * months)
        async with ctx.db.transaction() as conn:
            await conn.execute(
                contacts_table.update()
                .where(contacts_table.c.id == old.id)
                .values(updated_at=long_ago)
            )
            await conn.execute(contact_imports.update().values(created_at=long_ago))

    web.run(age, web.ctx)
    removed = web.run(contacts.clean_up, web.ctx.db, now=datetime.now(UTC), retention_months=months)
    assert removed == (1, 1)
    assert [r.id for r in web.run(_rows, web.ctx, contacts_table)] == [recent.id]
