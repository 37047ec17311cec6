"""The invitation plan of an event, as partners use it: audiences, the channels that reach
each of them with a tracked link each, named links for networks, share kits, and the tracked
links counting visits without keeping anything about the visitor."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp import clock
from webapp.db.tables import event_revisions, link_visits, notifications, share_links
from webapp.invitations import service


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _base(event_id):  # type: ignore[no-untyped-def]
    return f"/events/{event_id}/invitations"


def _add_audience(web, event_id, **values):  # type: ignore[no-untyped-def]
    data = {"name": "Arabic-speaking families", "language": "ar", "size": "40", **values}
    return web.post(_base(event_id) + "/audiences", data)


def _audience_id(response):  # type: ignore[no-untyped-def]
    return int(re.search(r"added=(\d+)", response.headers["location"]).group(1))


def _channel_id(response):  # type: ignore[no-untyped-def]
    return int(re.search(r"#channel-(\d+)", response.headers["location"]).group(1))


async def _links(ctx, event_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        result = await conn.execute(
            select(share_links).where(share_links.c.event_id == event_id).order_by(share_links.c.id)
        )
        return list(result)


async def _visits(ctx, link_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await conn.scalar(
            select(func.coalesce(func.sum(link_visits.c.visits), 0)).where(
                link_visits.c.link_id == link_id
            )
        )


def test_partners_plan_audiences_and_channels_each_with_a_tracked_link(web, world, rooms):  # noqa: F811
    event_id = make_event(web, world, rooms)
    web.login("member@assoc.test")
    assert "No audiences yet." in web.get(_base(event_id)).text
    response = _add_audience(web, event_id)
    assert response.status_code == 303
    audience_id = _audience_id(response)
    page = web.get(response.headers["location"]).text
    assert "Arabic-speaking families" in page and "about 40 people" in page

    channel = web.post(
        _base(event_id) + f"/audiences/{audience_id}/channels",
        {"kind": "sms", "message": "مرحبا! مقهى اللغة يوم الخميس", "send_on": "2027-05-20",
         "responsible_id": str(world.association.id), "status": "planned"},
    )  # fmt: skip
    assert channel.status_code == 303, channel.text
    network = web.post(
        _base(event_id) + f"/audiences/{audience_id}/channels",
        {"kind": "network", "message": "Välkommen på språkcafé!", "status": "ready"},
    )
    assert network.status_code == 303
    links = web.run(_links, web.ctx, event_id)
    assert [link.name for link in links] == [
        "sms: Arabic-speaking families",
        "network: Arabic-speaking families",
    ]
    assert all(re.fullmatch(r"[a-z2-9]{8}", link.code) for link in links)
    page = web.get(_base(event_id)).text
    assert f"http://testserver/l/{links[0].code}" in page
    assert "SMS to contacts" in page and "Shared in a network" in page
    assert world.association.name in page  # responsible

    # The plan is part of the co-authored event: a revision and a notice to the library.
    async def history(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            revisions = list(
                await conn.scalars(
                    select(event_revisions.c.changes)
                    .where(event_revisions.c.event_id == event_id)
                    .order_by(event_revisions.c.version)
                )
            )
            notices = await conn.scalar(
                select(func.count())
                .select_from(notifications)
                .where(notifications.c.event_id == event_id, notifications.c.kind == "edited")
            )
        return revisions, notices

    revisions, notices = web.run(history, web.ctx)
    assert revisions[-3:] == [
        {"invitation_audience": [None, "Arabic-speaking families (ar, 40)"]},
        {"invitation_channel": [None, "sms: Arabic-speaking families"]},
        {"invitation_channel": [None, "network: Arabic-speaking families"]},
    ]
    assert notices >= 3
    assert "Audience to reach" in web.get(f"/events/{event_id}/history").text


def test_mistakes_are_shown_next_to_the_field_and_nothing_is_lost(web, world, rooms):  # noqa: F811
    event_id = make_event(web, world, rooms)
    web.login("member@assoc.test")
    missing = _add_audience(web, event_id, name="", language="xx", size="many")
    assert missing.status_code == 400
    assert 'id="name-error"' in missing.text and 'id="language-error"' in missing.text
    assert 'id="size-error"' in missing.text and 'value="many"' in missing.text
    audience_id = _audience_id(_add_audience(web, event_id))
    twice = _add_audience(web, event_id, name="arabic-speaking FAMILIES")
    assert twice.status_code == 400 and "already has an audience with this name" in twice.text
    no_kind = web.post(
        _base(event_id) + f"/audiences/{audience_id}/channels",
        {"message": "Hej!", "responsible_id": "999999"},
    )
    assert no_kind.status_code == 400
    assert 'id="kind-error"' in no_kind.text and 'id="responsible_id-error"' in no_kind.text
    assert "Hej!" in no_kind.text
    assert web.run(_links, web.ctx, event_id) == []


def test_a_tracked_link_counts_visits_and_keeps_nothing_about_the_visitor(web, world, rooms):  # noqa: F811
    event_id = make_event(web, world, rooms)
    web.login("member@assoc.test")
    audience_id = _audience_id(_add_audience(web, event_id))
    web.post(_base(event_id) + f"/audiences/{audience_id}/channels", {"kind": "poster"})
    (link,) = web.run(_links, web.ctx, event_id)
    web.client.cookies.clear()
    visit = web.get(f"/l/{link.code}")
    assert visit.status_code == 302
    assert visit.headers["location"] == f"/events/{event_id}?via={link.code}"
    assert "set-cookie" not in visit.headers
    assert web.get(f"/l/{link.code.upper()}").status_code == 302  # read from paper: any case
    assert web.get("/l/nosuchcode").status_code == 404
    assert web.get("/l/bad%20code").status_code == 404

    async def many(ctx):  # type: ignore[no-untyped-def]
        await asyncio.gather(*(service.visit(ctx, link.code) for _ in range(40)))

    web.run(many, web.ctx)
    assert web.run(_visits, web.ctx, link.id) == 42

    async def columns(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return list((await conn.execute(select(link_visits))).keys())

    assert sorted(web.run(columns, web.ctx)) == ["day", "link_id", "visits"]
    web.login("member@assoc.test")
    assert "42 visits" in web.get(_base(event_id)).text


def test_named_links_and_share_kits(web, world, rooms):  # noqa: F811
    event_id = make_event(web, world, rooms)
    web.login("member@assoc.test")
    made = web.post(
        _base(event_id) + "/links",
        {"link_name": "Ayman's network", "link_organisation": str(world.association.id)},
    )
    assert made.status_code == 303
    bad = web.post(_base(event_id) + "/links", {"link_name": ""})
    assert bad.status_code == 400 and 'id="link_name-error"' in bad.text
    audience_id = _audience_id(_add_audience(web, event_id, name="Grannar", language="sv"))
    channel_id = _channel_id(
        web.post(
            _base(event_id) + f"/audiences/{audience_id}/channels",
            {"kind": "network", "message": "Språkcafé på torsdag – välkommen!"},
        )
    )
    named, channel_link = web.run(_links, web.ctx, event_id)
    assert named.name == "Ayman's network" and named.channel_id is None
    kit = web.get(_base(event_id) + f"/channels/{channel_id}/share")
    assert kit.status_code == 200
    url = f"http://testserver/l/{channel_link.code}"
    text = f"Språkcafé på torsdag – välkommen!\n{url}"
    assert f">{text}</textarea>" in kit.text
    hrefs = re.findall(r'href="((?:sms:|https://wa\.me/)[^"]+)"', kit.text)
    assert [unquote(h.replace("&amp;", "&")) for h in hrefs] == [
        f"sms:?&body={text}",
        f"https://wa.me/?text={text}",
    ]
    assert 'readonly value="' + url in kit.text  # copying works without JavaScript too
    qr = web.get(_base(event_id) + f"/links/{channel_link.id}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<?xml") or "<svg" in qr.text[:200]

    # Deleting a channel keeps its link (posters may be on a wall) as a named one.
    web.post(_base(event_id) + f"/channels/{channel_id}/delete")
    assert web.get(f"/l/{channel_link.code}").status_code == 302
    assert len(web.run(_links, web.ctx, event_id)) == 2
    # A named link can be deleted; its address stops working.
    web.login("member@assoc.test")
    assert web.post(_base(event_id) + f"/links/{named.id}/delete").status_code == 303
    assert web.get(f"/l/{named.code}").status_code == 404


def test_who_sees_and_who_changes_the_plan(web, world, rooms):  # noqa: F811
    event_id = make_event(web, world, rooms)
    web.login("member@assoc.test")
    audience_id = _audience_id(_add_audience(web, event_id))
    web.login("staff@lib.test")  # the library plans too
    assert (
        web.post(
            _base(event_id) + f"/audiences/{audience_id}/channels", {"kind": "poster"}
        ).status_code
        == 303
    )
    web.login("admin@otherassoc.test")
    assert web.get(_base(event_id)).status_code == 404
    assert _add_audience(web, event_id, name="Intruders").status_code == 404
    web.run(factories.move, web.ctx, "staff@lib.test", event_id, "cancel", "Sjuk föreläsare.")
    web.login("member@assoc.test")
    page = web.get(_base(event_id))
    assert page.status_code == 200 and "Add an audience" not in page.text
    assert _add_audience(web, event_id, name="Late").status_code == 403


def test_a_poster_channel_prints_posters_and_flyers_whose_qr_code_is_its_link(web, world, rooms):  # noqa: F811
    from tests.unit.test_posters import decoded, page_text

    starts = (clock.now() + timedelta(days=9)).replace(hour=17, minute=0, second=0, microsecond=0)
    event_id = make_event(web, world, rooms, starts_at=starts)
    web.login("member@assoc.test")
    arabic = _audience_id(_add_audience(web, event_id))
    somali = _audience_id(_add_audience(web, event_id, name="Somaliska familjer", language="so"))
    for audience_id in (arabic, somali):
        web.post(
            _base(event_id) + f"/audiences/{audience_id}/channels",
            {"kind": "poster", "message": "مقهى اللغة" if audience_id == arabic else "Välkommen"},
        )
    ar_link, so_link = web.run(_links, web.ctx, event_id)
    page = web.get(_base(event_id)).text
    assert "posters in Swedish: we have no poster words in this language yet" in page
    channel_ids = re.findall(r'href="[^"]*/channels/(\d+)/poster-a4\.pdf"', page)
    assert len(channel_ids) == 2
    poster = web.get(_base(event_id) + f"/channels/{channel_ids[0]}/poster-a4.pdf")
    assert poster.status_code == 200 and poster.headers["content-type"] == "application/pdf"
    assert [r.text for r in decoded(poster.content)] == [f"http://testserver/l/{ar_link.code}"]
    assert "متى" in page_text(poster.content) or "مقهى" in page_text(poster.content)
    flyers = web.get(_base(event_id) + f"/channels/{channel_ids[1]}/poster-a5.pdf")
    codes = [r.text for r in decoded(flyers.content)]
    assert codes == [f"http://testserver/l/{so_link.code}"] * 2
    assert "NÄR" in page_text(flyers.content).upper()  # Somali audience: Swedish words
    assert web.get(_base(event_id) + f"/channels/{channel_ids[0]}/poster-a2.pdf").status_code == 404
    web.login("admin@otherassoc.test")
    assert web.get(_base(event_id) + f"/channels/{channel_ids[0]}/poster-a4.pdf").status_code == 404
