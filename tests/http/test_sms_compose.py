"""Writing an SMS as an association member does: choose whom, write, see the encoding,
segments and cost while typing, send now or at a time; nothing is sent by a preview."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.http.test_outbox import _contacts
from webapp.db.tables import outbox


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _page(world):  # type: ignore[no-untyped-def]
    return f"/orgs/{world.association.slug}/sms/new"


async def _count(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(outbox))


async def _tag(ctx, world, contact_ids, tag):  # type: ignore[no-untyped-def]
    from webapp.contacts import store

    async with ctx.db.transaction() as conn:
        for contact_id in contact_ids:
            await store.set_tags(conn, contact_id, [tag])


def test_the_preview_shows_encoding_segments_and_cost(web, world):
    web.run(_contacts, web.ctx, world, 3)
    web.login("member@assoc.test")
    assert web.get(_page(world)).status_code == 200
    response = web.post(
        _page(world), {"action": "preview", "template": "Hej {name}! Välkommen på språkcafé."}
    )
    assert response.status_code == 200
    page = response.text.replace("\u00a0", " ")
    assert "3 contacts get the message." in page
    assert "Hej Person 0! Välkommen på språkcafé." in page  # Nordic letters stay GSM-7
    assert "(GSM-7)" in page and "0.45 SEK" in page and "1.35 SEK" in page
    assert web.run(_count, web.ctx) == 0  # a preview sends nothing


def test_characters_that_force_ucs2_are_named_with_a_suggestion(web, world):
    web.run(_contacts, web.ctx, world, 1)
    web.login("member@assoc.test")
    page = web.post(_page(world), {"action": "preview", "template": "“Välkommen” – {name}"}).text
    assert "(UCS-2)" in page
    assert "“ ” –" in page  # the characters that force it
    assert "&#34;Välkommen&#34; - {name}" in page  # the suggestion keeps the placeholder


def test_htmx_gets_only_the_preview(web, world):
    web.run(_contacts, web.ctx, world, 1)
    web.login("member@assoc.test")
    response = web.post(
        _page(world),
        {"action": "preview", "template": "Hej {name}"},
        headers={"HX-Request": "true"},
    )
    assert response.text.lstrip().startswith('<div id="preview">')
    assert "Send to 1 contact" in response.text  # the button follows the choice


def test_sending_to_a_tag_now_and_later(web, world):
    ids = web.run(_contacts, web.ctx, world, 4)
    web.run(_tag, web.ctx, world, ids[:2], "volunteer")
    web.login("member@assoc.test")
    response = web.post(_page(world), {"tag": "volunteer", "template": "Hej {name}!"})
    assert response.status_code == 303
    assert re.search(r"/sms/sends/\d+\?sent=1$", response.headers["location"])
    assert "2 messages are on their way" in web.get(response.headers["location"]).text
    assert web.run(_count, web.ctx) == 2
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    response = web.post(
        _page(world),
        {"template": "Påminnelse {name}", "send_date": tomorrow, "send_time": "10:00"},
    )
    assert response.status_code == 303
    assert web.run(_count, web.ctx) == 6

    async def due(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(select(func.max(outbox.c.next_attempt_at)))

    assert web.run(due, web.ctx).date().isoformat() == tomorrow


def test_mistakes_are_shown_and_nothing_is_sent(web, world):
    web.run(_contacts, web.ctx, world, 1)
    web.login("member@assoc.test")
    response = web.post(_page(world), {"template": "Hej {namn}!"})
    assert response.status_code == 400
    assert 'id="template-error"' in response.text and "{namn}" in response.text
    response = web.post(
        _page(world), {"template": "Hej", "send_date": "2020-01-01", "send_time": "10:00"}
    )
    assert response.status_code == 400 and "in the future" in response.text
    assert web.run(_count, web.ctx) == 0


def test_only_the_organisations_people_send(web, world):
    web.login("admin@otherassoc.test")
    assert web.get(_page(world)).status_code == 403
    assert web.post(_page(world), {"template": "x"}).status_code == 403
