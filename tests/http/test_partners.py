"""The partner directory (actor map): a library's staff and admins see every association the
library has approved, with contacts, events together and the level of the relationship, and
describe it; nobody else sees it. Bad input is refused next to the field and changes nothing;
the evaluations suggest a level, which is accepted with one click."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from tests import factories
from webapp.db.tables import audit_log, evaluations, event_partners, events, partnerships
from webapp.i18n import use_locale
from webapp.i18n.formatting import format_date
from webapp.partners import service
from webapp.partners.suggestion import Suggestion, suggest

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def web(web):  # type: ignore[no-untyped-def]
    """Pages in English, so the tests can read the messages."""
    web.client.headers["Accept-Language"] = "en"
    return web


# Helpers: events, partners and evaluations as plain rows (the events service writes them) ------


async def _add_event(ctx, library_id, title, starts_at, state, partners, answers):  # type: ignore[no-untyped-def]
    async with ctx.db.transaction() as conn:
        event_id = (
            await conn.execute(
                insert(events)
                .values(
                    library_id=library_id,
                    state=state,
                    title=title,
                    languages=[],
                    audiences=[],
                    equipment=[],
                    agreement={},
                    checklist=[],
                    starts_at=starts_at,
                    ends_at=None if starts_at is None else starts_at + timedelta(hours=2),
                    created_at=NOW,
                    updated_at=NOW,
                )
                .returning(events.c.id)
            )
        ).scalar_one()
        for n, (org_id, status) in enumerate(partners.items()):
            await conn.execute(
                insert(event_partners).values(
                    event_id=event_id,
                    organisation_id=org_id,
                    role="lead" if n == 0 else "co_host",
                    status=status,
                    contribution={},
                    created_at=NOW,
                )
            )
        for n, (org_id, answer) in enumerate(answers):
            await conn.execute(
                insert(evaluations).values(
                    event_id=event_id,
                    organisation_id=org_id,
                    continue_together=answer,
                    at=(starts_at or NOW) + timedelta(days=1, minutes=n),
                )
            )
    return event_id


def add_event(  # type: ignore[no-untyped-def]
    web,
    world,
    title,
    day,
    *,
    state="completed",
    association=None,
    status="active",
    library=None,
    answers=(),
):
    """An event of ``library`` (the world's) on ``day`` days after NOW with ``association``
    (the world's) as its lead partner. ``answers`` are (organisation, yes/no/maybe)."""
    library = library or world.library
    association = association or world.association
    starts_at = None if day is None else NOW + timedelta(days=day)
    return web.run(
        _add_event,
        web.ctx,
        library.id,
        title,
        starts_at,
        state,
        {association.id: status, library.id: "active"},
        [(org.id, answer) for org, answer in answers],
    )


async def _describe(ctx, email, library, association_id, values):  # type: ignore[no-untyped-def]
    actor = await factories.actor(ctx, email)
    await service.update_partner(
        ctx, actor=actor, library=library, association_id=association_id, values=values
    )


def describe(web, world, association, **values):  # type: ignore[no-untyped-def]
    data = {"level": "occasional", "interests": "", "target_groups": [], "notes": "", **values}
    web.run(_describe, web.ctx, world.emails["library_admin"], world.library, association.id, data)


async def _snapshot(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        rows = await conn.execute(select(partnerships).order_by(partnerships.c.id))
        return {
            "partnerships": [tuple(r) for r in rows],
            "audit": (await conn.execute(select(func.count()).select_from(audit_log))).scalar_one(),
        }


def snapshot(web):  # type: ignore[no-untyped-def]
    return web.run(_snapshot, web.ctx)


async def _partnership(ctx, library_id, association_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        result = await conn.execute(
            select(partnerships).where(
                partnerships.c.library_id == library_id,
                partnerships.c.association_id == association_id,
            )
        )
        return result.one()


def partnership(web, world, association=None):  # type: ignore[no-untyped-def]
    return web.run(_partnership, web.ctx, world.library.id, (association or world.association).id)


async def _audit(ctx, action):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        result = await conn.execute(
            select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
        )
        return list(result)


def audit_entries(web, action):  # type: ignore[no-untyped-def]
    return web.run(_audit, web.ctx, action)


def base(world) -> str:  # type: ignore[no-untyped-def]
    return f"/orgs/{world.library.slug}/partners"


def text_of(markup: str) -> str:
    """The visible text, tags removed and white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def table_row(page: str, name: str) -> str:
    """The text of the table row that names ``name``."""
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        if name in html.unescape(row):
            return text_of(row)
    raise AssertionError(f"no row for {name}")


def listed(page: str) -> list[str]:
    """The associations the directory lists, in order."""
    return [
        html.unescape(n) for n in re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)
    ]


def english_date(web, day: int) -> str:  # type: ignore[no-untyped-def]
    with use_locale("en"):
        return format_date(NOW + timedelta(days=day), web.ctx.settings.tz)


def form_data(**changes):  # type: ignore[no-untyped-def]
    return {
        "level": "recurring",
        "interests": "Language cafés and information evenings",
        "target_groups": ["newcomers", "families"],
        "notes": "Ayman prefers SMS.",
        **changes,
    }


# The list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["library_staff", "library_admin"])
def test_library_people_see_every_partner_with_contacts_events_and_level(web, world, who):
    add_event(web, world, "Information evening", 10, state="approved")
    add_event(web, world, "Language café", 20, state="published")
    add_event(web, world, "Homework help", 30, state="evaluated")
    add_event(web, world, "Spring fair", 5, state="completed")
    # Not together: a draft, a declined invitation, one still invited, another library's.
    add_event(web, world, "Just an idea", 90, state="draft")
    add_event(web, world, "Cancelled walk", 95, state="cancelled")
    add_event(web, world, "Declined", 100, status="declined")
    add_event(web, world, "Still invited", 110, status="invited")
    add_event(web, world, "In Lund", 120, library=world.other_library)
    describe(web, world, world.other_association, level="agreement", target_groups=["children"])
    web.login(world.emails[who])

    page = web.get(base(world))
    assert page.status_code == 200
    assert listed(page.text) == ["Nya grannar", "Schackklubben"]
    row = table_row(page.text, "Nya grannar")
    assert "Admin of Nya grannar admin@assoc.test" in row
    assert "2 members" in row
    assert f"4 Latest: {english_date(web, 30)}" in row
    assert row.endswith("Occasional contact")
    assert 'href="mailto:admin@assoc.test"' in page.text
    other = table_row(page.text, "Schackklubben")
    assert "1 member " in other and " 0 " in f" {other} " and "Latest" not in other
    assert "Children" in other and other.endswith("Formal agreement")
    assert "2 partners." in page.text
    assert f'href="{base(world)}/{world.association.id}"' in page.text


def test_filters_by_level_target_group_and_name_work_without_javascript(web, world):
    admin = web.run(factories.actor, web.ctx, world.emails["library_admin"])
    nordic = web.run(
        factories.association, web.ctx, "Ålands vänner", "admin@aland.test", world.library.id, admin
    )
    describe(web, world, world.association, level="recurring", target_groups=["newcomers"])
    describe(web, world, world.other_association, target_groups=["children", "seniors"])
    describe(web, world, nordic, level="recurring", target_groups=["seniors"])
    web.login(world.emails["library_staff"])

    cases = [
        ("", ["Nya grannar", "Schackklubben", "Ålands vänner"]),
        ("?level=recurring", ["Nya grannar", "Ålands vänner"]),
        ("?level=occasional", ["Schackklubben"]),
        ("?level=agreement", []),
        ("?target_group=seniors", ["Schackklubben", "Ålands vänner"]),
        ("?level=recurring&target_group=seniors", ["Ålands vänner"]),
        ("?q=grannar", ["Nya grannar"]),
        ("?q=NYA+Grannar", ["Nya grannar"]),
        ("?q=%C3%A5land", ["Ålands vänner"]),  # "åland": Nordic letters fold
        ("?q=nobody", []),
        # Values that are not options mean "all": an old bookmark still works.
        (
            "?level=best-friends&target_group=aliens",
            ["Nya grannar", "Schackklubben", "Ålands vänner"],
        ),
    ]
    for query, expected in cases:
        page = web.get(base(world) + query)
        assert page.status_code == 200, query
        assert listed(page.text) == expected, query
    page = web.get(base(world) + "?level=recurring&target_group=seniors&q=v%C3%A4n")
    assert "1 of 3 partners matches." in page.text
    assert f'<a href="{base(world)}">Show all partners</a>' in page.text
    assert '<option value="recurring" selected>' in page.text
    assert '<option value="seniors" selected>' in page.text
    assert 'name="q" value="vän"' in page.text
    page = web.get(base(world) + "?q=nobody")
    assert "No partners match the filters." in page.text


def test_htmx_gets_only_the_results(web, world):
    web.login(world.emails["library_staff"])
    page = web.get(base(world) + "?q=schack", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="partner-results">')
    assert "<html" not in page.text and listed(page.text) == ["Schackklubben"]


def test_an_empty_directory_says_so(web, world):
    web.login(world.emails["other_library_staff"])
    page = web.get(f"/orgs/{world.other_library.slug}/partners")
    assert page.status_code == 200
    assert "No associations have been approved as partners yet." in page.text


def test_the_library_page_links_to_the_partners_for_its_people(web, world):
    web.login(world.emails["library_staff"])
    assert f'href="{base(world)}"' in web.get(f"/orgs/{world.library.slug}").text
    web.logout()
    web.login(world.emails["association_admin"])
    assert "/partners" not in web.get(f"/orgs/{world.association.slug}").text


# One partner ---------------------------------------------------------------------------------


def test_the_partner_page_shows_events_together_and_their_evaluations(web, world):
    add_event(
        web,
        world,
        "Information evening",
        10,
        answers=[(world.library, "yes"), (world.association, "maybe")],
    )
    add_event(web, world, "Language café", 20, state="approved")
    add_event(web, world, "Still invited", 25, status="invited")
    add_event(
        web,
        world,
        "Chess café",
        15,
        association=world.other_association,
        answers=[(world.other_association, "no")],
    )
    web.login(world.emails["library_staff"])

    page = web.get(f"{base(world)}/{world.association.id}")
    assert page.status_code == 200
    assert "<h1>Nya grannar</h1>" in page.text
    assert "admin@assoc.test" in page.text
    titles = re.findall(r'<a href="/events/\d+/plan">([^<]+)</a>', page.text)
    assert titles == ["Language café", "Information evening"]  # newest first
    evening = table_row(page.text, "Information evening")
    assert english_date(web, 10) in evening and "Completed" in evening
    assert "Malmö stadsbibliotek: Yes" in evening and "Nya grannar: Maybe" in evening
    cafe = table_row(page.text, "Language café")
    assert "Approved" in cafe and "Not evaluated yet" in cafe
    assert "Still invited" not in page.text and "Chess café" not in page.text
    assert "Suggestion" not in page.text
    # The form, filled in with what is saved.
    assert '<option value="occasional" selected>' in page.text
    assert 'id="target_groups-language_learners"' in page.text
    assert "People learning the language" in page.text


def test_staff_describe_the_relationship_and_the_change_is_audited(web, world):
    web.login(world.emails["library_staff"])
    url = f"{base(world)}/{world.association.id}"
    response = web.post(url, form_data())
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?done=saved"
    saved = partnership(web, world)
    assert (saved.level, saved.interests, saved.notes) == (
        "recurring",
        "Language cafés and information evenings",
        "Ayman prefers SMS.",
    )
    assert saved.target_groups == ["families", "newcomers"]  # in the vocabulary's order
    [entry] = audit_entries(web, "partner.updated")
    assert entry.organisation_id == world.library.id
    assert entry.target == f"organisation:{world.association.id}"
    assert entry.details["changed"] == ["level", "interests", "target_groups", "notes"]
    assert entry.details["level"] == ["occasional", "recurring"]
    assert "Ayman" not in str(entry.details)  # free text stays out of the log

    page = web.get(f"{url}?done=saved")
    assert "details have been saved." in page.text
    assert '<option value="recurring" selected>' in page.text
    assert re.search(r'id="target_groups-newcomers"[^>]*checked', page.text)
    assert not re.search(r'id="target_groups-children"[^>]*checked', page.text)
    assert "Ayman prefers SMS.</textarea>" in page.text
    assert "Recurring collaboration" in table_row(web.get(base(world)).text, "Nya grannar")

    # Saving the same again changes nothing and logs nothing; clearing works.
    response = web.post(url, form_data())
    assert response.headers["location"] == f"{url}?done=unchanged"
    assert len(audit_entries(web, "partner.updated")) == 1
    response = web.post(url, {"level": "recurring", "interests": "", "notes": ""})
    assert response.status_code == 303
    cleared = partnership(web, world)
    assert (cleared.interests, cleared.target_groups, cleared.notes) == ("", [], "")
    assert len(audit_entries(web, "partner.updated")) == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"level": "best-friends"}, "level", "Choose one of the options."),
        ({"level": ""}, "level", "Choose one of the options."),
        ({"level": ["recurring", "agreement"]}, "level", "The request could not be understood."),
        (
            {"target_groups": ["newcomers", "aliens"]},
            "target_groups",
            "Choose among the listed options.",
        ),
        ({"notes": "n" * 4001}, "notes", "Use at most 4000 characters."),
        ({"interests": "i" * 1001}, "interests", "Use at most 1000 characters."),
        ({"notes": "bad \x00 byte"}, "notes", "Remove the invisible control characters."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    web, world, changes, field, message
):
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    response = web.post(f"{base(world)}/{world.association.id}", form_data(**changes))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert f"{field}-error" in re.search(rf'id="{field}"[^>]*', response.text).group(0)
    assert f'href="#{field}"' in response.text and "There is a problem" in response.text
    # What was typed is kept.
    if field != "interests":
        assert "Language cafés and information evenings</textarea>" in response.text
    if field != "notes":
        assert "Ayman prefers SMS.</textarea>" in response.text
    assert re.search(r'id="target_groups-newcomers"[^>]*checked', response.text)
    assert snapshot(web) == before


def test_a_forged_or_missing_csrf_token_is_refused(web, world):
    add_event(web, world, "One", 1, answers=[(world.library, "yes")])
    add_event(web, world, "Two", 2, answers=[(world.library, "yes")])
    add_event(web, world, "Three", 3, answers=[(world.library, "yes")])
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    url = f"{base(world)}/{world.association.id}"
    assert web.post(url, form_data(csrf_token="forged")).status_code == 403
    assert web.client.post(url, data=form_data(), follow_redirects=False).status_code == 403
    response = web.post(f"{url}/suggestion", {"level": "recurring", "csrf_token": "forged"})
    assert response.status_code == 403
    assert snapshot(web) == before


# Who may see and change ----------------------------------------------------------------------


def _pages(world):  # type: ignore[no-untyped-def]
    url = f"{base(world)}/{world.association.id}"
    return [base(world), url], {url: form_data(), f"{url}/suggestion": {"level": "recurring"}}


@pytest.mark.parametrize(
    "who",
    [
        "association_admin",
        "association_member",
        "other_association_admin",
        "other_library_admin",
        "other_library_staff",
    ],
)
def test_people_outside_the_library_get_403_and_change_nothing(web, world, who):
    web.login(world.emails[who])
    before = snapshot(web)
    gets, posts = _pages(world)
    for path in gets:
        assert web.get(path).status_code == 403, path
    for path, data in posts.items():
        assert web.post(path, data).status_code == 403, path
    assert snapshot(web) == before


def test_anonymous_visitors_are_sent_to_log_in(web, world):
    before = snapshot(web)
    gets, posts = _pages(world)
    for path in gets:
        response = web.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    for path, data in posts.items():
        response = web.post(path, data)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert snapshot(web) == before


def test_ids_of_non_partners_are_not_found_and_untouched(web, world):
    other_admin = web.run(factories.actor, web.ctx, world.emails["other_library_admin"])
    theirs = web.run(
        factories.association,
        web.ctx,
        "Lunds läsare",
        "admin@lund.test",
        world.other_library.id,
        other_admin,
    )
    waiting = web.run(
        factories.association, web.ctx, "Väntande förening", "admin@wait.test", world.library.id
    )
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    b = base(world)
    ids = [
        theirs.id,  # another library's partner
        waiting.id,  # asked, not yet approved
        world.library.id,  # the library itself
        world.other_library.id,
        99999,
        99999999999999999999,
    ]
    for association_id in ids:
        url = f"{b}/{association_id}"
        assert web.get(url).status_code == 404, url
        assert web.post(url, form_data()).status_code == 404, url
        assert web.post(f"{url}/suggestion", {"level": "recurring"}).status_code == 404, url
    assert web.get(f"{b}/not-a-number").status_code == 404
    assert web.get(f"/orgs/{world.association.slug}/partners").status_code == 404
    assert (
        web.get(f"/orgs/{world.association.slug}/partners/{world.association.id}").status_code
        == 404
    )
    assert web.get("/orgs/no-such-library/partners").status_code == 404
    assert snapshot(web) == before
    assert "Lunds läsare" not in web.get(b).text and "Väntande" not in web.get(b).text


def test_a_rejected_partnership_is_not_found(web, world):
    admin = web.run(factories.actor, web.ctx, world.emails["library_admin"])
    waiting = web.run(
        factories.association, web.ctx, "Väntande förening", "admin@wait.test", world.library.id
    )

    async def reject(ctx):  # type: ignore[no-untyped-def]
        from webapp.orgs import service as orgs

        found = await _partnership(ctx, world.library.id, waiting.id)
        await orgs.decide_association(
            ctx,
            actor=admin,
            library=world.library,
            partnership_id=found.id,
            approve=False,
            reason="Not now.",
        )

    web.run(reject, web.ctx)
    web.login(world.emails["library_staff"])
    assert web.get(f"{base(world)}/{waiting.id}").status_code == 404
    assert "Väntande" not in web.get(base(world)).text


# The suggestion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "events_together", "answers", "expected"),
    [
        # Three events together, the latest evaluations say yes: make it recurring.
        ("occasional", 3, [[], ["maybe"], ["yes", "yes"]], Suggestion("level", "recurring")),
        ("occasional", 5, [["yes"]], Suggestion("level", "recurring")),
        ("occasional", 3, [["no"], [], ["yes"]], Suggestion("level", "recurring")),
        # Not enough events, not all yes, not evaluated, or the level is already higher.
        ("occasional", 2, [["yes"], ["yes"]], None),
        ("occasional", 3, [["yes"], ["yes", "maybe"]], None),
        ("occasional", 3, [["yes"], ["yes", "no"]], None),
        ("occasional", 3, [[], [], []], None),
        ("occasional", 3, [], None),
        ("recurring", 9, [["yes"]], None),
        ("partnership", 9, [["yes", "yes"]], None),
        # Two "no" in a row, most recent last: review, whatever the level and count.
        ("occasional", 3, [["yes"], ["no"], ["no"]], Suggestion("review")),
        ("agreement", 1, [["no", "no"]], Suggestion("review")),
        ("recurring", 2, [["no"], [], ["no"]], Suggestion("review")),
        ("occasional", 3, [["no", "no"], ["yes"]], Suggestion("level", "recurring")),
        ("recurring", 3, [["no"], ["yes"], ["no"]], None),
        ("recurring", 1, [["no"]], None),
    ],
)
def test_the_suggestion_rule(level, events_together, answers, expected):
    assert suggest(level=level, events_together=events_together, answers=answers) == expected


def test_staff_accept_the_suggested_level_with_one_click(web, world):
    add_event(web, world, "One", 1, answers=[(world.library, "no")])
    add_event(web, world, "Two", 2, state="published")
    add_event(web, world, "Three", 3, answers=[(world.library, "yes"), (world.association, "yes")])
    web.login(world.emails["library_staff"])
    url = f"{base(world)}/{world.association.id}"
    page = web.get(url)
    assert "Suggestion" in page.text
    assert "You have 3 events together and the latest evaluations say yes" in page.text
    assert f'action="{url}/suggestion"' in page.text
    assert "Change the level to “Recurring collaboration”" in page.text

    # A level other than the one suggested (a stale page, a crafted form) changes nothing.
    before = snapshot(web)
    for level in ("partnership", "", "best-friends"):
        response = web.post(f"{url}/suggestion", {"level": level})
        assert response.status_code == 409
        assert "The suggestion has changed meanwhile." in response.text
    assert snapshot(web) == before

    response = web.post(f"{url}/suggestion", {"level": "recurring"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?done=level-accepted"
    assert partnership(web, world).level == "recurring"
    [entry] = audit_entries(web, "partner.suggestion_accepted")
    assert entry.details["level"] == ["occasional", "recurring"]
    page = web.get(f"{url}?done=level-accepted")
    assert "The level has been changed as suggested." in page.text
    assert "Suggestion" not in page.text
    # Accepting twice (another tab) is refused: there is nothing to accept any more.
    assert web.post(f"{url}/suggestion", {"level": "recurring"}).status_code == 409
    assert len(audit_entries(web, "partner.suggestion_accepted")) == 1


def test_two_no_answers_in_a_row_suggest_a_review(web, world):
    describe(web, world, world.association, level="partnership")
    add_event(web, world, "One", 1, answers=[(world.library, "yes")])
    add_event(web, world, "Two", 2, answers=[(world.association, "no")])
    add_event(web, world, "Three", 3, answers=[(world.library, "no")])
    web.login(world.emails["library_admin"])
    page = web.get(f"{base(world)}/{world.association.id}")
    assert "The latest evaluations say no to going on together." in page.text
    assert '<a href="#level">Review the level</a>' in page.text
    assert "/suggestion" not in page.text
    assert (
        web.post(
            f"{base(world)}/{world.association.id}/suggestion", {"level": "partnership"}
        ).status_code
        == 409
    )


# Query count ---------------------------------------------------------------------------------


def test_the_list_does_not_query_per_partner_or_event(web, world):
    web.login(world.emails["library_staff"])
    engine = web.ctx.db.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries(path: str) -> int:
        web.get(path)  # warm up anything done once per session
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert web.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    detail = f"{base(world)}/{world.association.id}"
    add_event(web, world, "First", 1, answers=[(world.library, "yes")])
    list_with_few, detail_with_few = queries(base(world)), queries(detail)

    admin = web.run(factories.actor, web.ctx, world.emails["library_admin"])
    for n in range(5):
        extra = web.run(
            factories.association,
            web.ctx,
            f"Förening {n}",
            f"f{n}@assoc.test",
            world.library.id,
            admin,
        )
        web.run(factories.member, web.ctx, extra.id, f"m{n}@assoc.test", "member")
        for day in range(3):
            add_event(web, world, f"Event {n}.{day}", 10 + day, association=extra)
    for day in range(5):
        add_event(
            web,
            world,
            f"More {day}",
            20 + day,
            answers=[(world.library, "yes"), (world.association, "maybe")],
        )
    list_with_many, detail_with_many = queries(base(world)), queries(detail)
    page = web.get(base(world))
    assert len(listed(page.text)) == 7 and "Förening 4" in page.text
    assert "6 Latest" in table_row(page.text, "Nya grannar")
    assert 0 < list_with_many <= list_with_few, (list_with_few, list_with_many)
    assert 0 < detail_with_many <= detail_with_few, (detail_with_few, detail_with_many)
