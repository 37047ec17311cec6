"""The last meeting: after an event is held, each partner and the hosting library record how
it went; the last answer makes the event evaluated. Every test runs on SQLite and, when
configured, on PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.http.records import query_rows as _rows
from webapp.db.tables import evaluations, event_transitions, events, notifications, users
from webapp.events import drafting, partners, review
from webapp.events import evaluations as evaluation_service
from webapp.problems import Forbidden

START = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
ANSWER = {
    "attendance": "42",
    "worked": "The SMS brought many newcomers.",
    "did_not_work": "The posters went up late.",
    "continue_together": "yes",
}


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _state(web, event_id):
    return _rows(web, select(events.c.state).where(events.c.id == event_id))[0].state


def _answers(web, event_id):
    return {
        row.organisation_id: row
        for row in _rows(web, select(evaluations).where(evaluations.c.event_id == event_id))
    }


def _count(web):
    return _rows(web, select(func.count()).select_from(evaluations))[0][0]


async def _held(ctx, world, event_id, lead_email="member@assoc.test"):  # type: ignore[no-untyped-def]
    """Submit, approve, publish and mark as held."""
    await factories.describe_partners(ctx, world, event_id)
    lead = await factories.actor(ctx, lead_email)
    await review.move(ctx, actor=lead, event_id=event_id, action="submit")
    _location, room_ids = await factories.rooms(ctx, world, 1)
    await factories.approve(ctx, event_id, room_ids[0], START, END)
    staff = await factories.actor(ctx, "staff@lib.test")
    await review.move(ctx, actor=staff, event_id=event_id, action="publish")
    await review.move(ctx, actor=staff, event_id=event_id, action="complete")
    return event_id


async def _completed_event(ctx, world):  # type: ignore[no-untyped-def]
    """Held, led by the world's association with the other association as co-host: three
    parties answer (the two associations and the hosting library)."""
    event_id = await factories.proposed_event(ctx, world)
    lead = await factories.actor(ctx, "member@assoc.test")
    await partners.invite(
        ctx,
        actor=lead,
        event_id=event_id,
        organisation_id=world.other_association.id,
        role="co_host",
    )
    co_host = await factories.actor(ctx, "admin@otherassoc.test")
    await partners.answer(
        ctx,
        actor=co_host,
        event_id=event_id,
        organisation_id=world.other_association.id,
        accept=True,
    )
    return await _held(ctx, world, event_id)


@pytest.fixture
def held(web, world):
    return web.run(_completed_event, web.ctx, world)


def _evaluate(web, email, event_id, **values):
    web.login(email)
    try:
        return web.post(f"/events/{event_id}/evaluation", {**ANSWER, **values})
    finally:
        web.logout()


# The journey ---------------------------------------------------------------------------------


def test_each_party_evaluates_and_the_last_answer_makes_the_event_evaluated(web, world, held):
    path = f"/events/{held}/evaluation"
    web.login("member@assoc.test")
    page = web.get(path)
    assert page.status_code == 200
    assert "You answer for Nya grannar." in page.text
    assert f'name="organisation_id" value="{world.association.id}"' in page.text
    for field in ("attendance", "worked", "did_not_work", "continue_together"):
        assert f'<label for="{field}">' in page.text, field
    response = web.post(path, {**ANSWER, "organisation_id": str(world.association.id)})
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?done=saved"
    saved = web.get(response.headers["location"])
    assert "Your evaluation has been saved." in saved.text
    assert "The SMS brought many newcomers." in saved.text
    web.logout()
    assert _state(web, held) == "completed"

    co_host = _evaluate(
        web,
        "admin@otherassoc.test",
        held,
        organisation_id=str(world.other_association.id),
        continue_together="maybe",
        attendance="",
        worked="",
    )
    assert co_host.status_code == 303
    assert _state(web, held) == "completed"  # the library has not answered yet

    # The workspace lists who has answered (without JavaScript too); the evaluation page
    # gives the same list as an htmx fragment.
    web.login("staff@lib.test")
    plan = web.get(f"/events/{held}/plan").text
    assert f'href="/events/{held}/evaluation"' in plan
    assert "Nya grannar: answered" in plan
    assert re.search(r"Malmö stadsbibliotek: <span[^>]*>not yet", plan)
    fragment = web.get(f"{path}?block=summary", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<ul class="plain-list" id="evaluation-summary">')
    assert "Nya grannar: answered" in fragment and "Schackklubben: answered" in fragment
    assert re.search(r"Malmö stadsbibliotek: <span[^>]*>not yet", fragment)

    # The library answers last: the event is evaluated, by the person who gave that answer.
    last = web.post(path, {**ANSWER, "organisation_id": str(world.library.id)})
    assert last.headers["location"] == f"{path}?done=evaluated"
    assert _state(web, held) == "evaluated"
    assert set(_answers(web, held)) == {
        world.association.id,
        world.other_association.id,
        world.library.id,
    }
    staff_id = _rows(web, select(users.c.id).where(users.c.email == "staff@lib.test"))[0].id
    moves = _rows(
        web,
        select(event_transitions).where(
            event_transitions.c.event_id == held, event_transitions.c.action == "evaluate"
        ),
    )
    assert [(m.from_state, m.to_state, m.actor_id) for m in moves] == [
        ("completed", "evaluated", staff_id)
    ]
    told = {
        row.email
        for row in _rows(
            web,
            select(users.c.email, notifications.c.params)
            .join(notifications, notifications.c.user_id == users.c.id)
            .where(notifications.c.kind == "transition", notifications.c.event_id == held),
        )
        if row.params.get("action") == "evaluate"
    }
    assert {"member@assoc.test", "admin@otherassoc.test"} <= told
    assert "staff@lib.test" not in told

    # Closed: every answer is shown, the form is gone, and a late post is refused.
    closed = web.get(path)
    assert "the evaluation is closed" in closed.text
    assert '<form method="post" action="/events/' not in closed.text
    assert closed.text.count('class="card" id="answer-') == 3
    assert web.post(path, {**ANSWER, "organisation_id": str(world.library.id)}).status_code == 403


def test_any_member_of_a_partner_may_change_its_answer_until_all_have_answered(web, world, held):
    assoc = str(world.association.id)
    assert _evaluate(web, "member@assoc.test", held, organisation_id=assoc).status_code == 303
    web.login("admin@assoc.test")
    page = web.get(f"/events/{held}/evaluation")
    assert 'value="42"' in page.text and "The posters went up late.</textarea>" in page.text
    changed = web.post(
        f"/events/{held}/evaluation",
        {**ANSWER, "organisation_id": assoc, "attendance": "40", "continue_together": "no"},
    )
    assert changed.status_code == 303
    web.logout()
    answers = _answers(web, held)
    assert list(answers) == [world.association.id]
    mine = answers[world.association.id]
    admin_id = _rows(web, select(users.c.id).where(users.c.email == "admin@assoc.test"))[0].id
    assert (mine.attendance, mine.continue_together, mine.author_id) == (40, "no", admin_id)
    assert _state(web, held) == "completed"


# Bad input -----------------------------------------------------------------------------------


def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(web, world, held):
    web.login("member@assoc.test")
    path = f"/events/{held}/evaluation"
    assoc = str(world.association.id)
    typed = "Kept as typed: the coffee ran out."
    for bad, field in (
        ({"continue_together": ""}, "continue_together"),
        ({"continue_together": "perhaps"}, "continue_together"),
        ({"attendance": "many"}, "attendance"),
        ({"attendance": "-3"}, "attendance"),
        ({"did_not_work": "x" * 2001}, "did_not_work"),
        ({"worked": "y" * 2001}, "worked"),
    ):
        response = web.post(path, {**ANSWER, "organisation_id": assoc, "worked": typed, **bad})
        assert response.status_code == 400, bad
        assert f'id="{field}-error"' in response.text, bad
        assert re.search(rf'aria-describedby="[^"]*{field}-error"', response.text), bad
        assert 'class="error-summary"' in response.text
        if field != "worked":
            assert typed in response.text, bad  # nothing typed is lost
    assert _count(web) == 0
    # A form from another site (its CSRF token forged) is refused before anything is read.
    forged = web.post(path, {**ANSWER, "organisation_id": assoc, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert _count(web) == 0
    assert _state(web, held) == "completed"


# Who may --------------------------------------------------------------------------------------


def test_outsiders_see_nothing_and_a_partner_answers_only_for_itself(web, world, held):
    path = f"/events/{held}/evaluation"
    anonymous = web.get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    for email in ("admin@otherlib.test", "staff@otherlib.test"):
        web.login(email)
        assert web.get(path).status_code == 404, email
        posted = web.post(path, {**ANSWER, "organisation_id": str(world.library.id)})
        assert posted.status_code == 404, email
        web.logout()
    # A member of one partner cannot answer for another partner or for the library.
    web.login("member@assoc.test")
    for other in (world.other_association.id, world.library.id, world.other_library.id):
        response = web.post(path, {**ANSWER, "organisation_id": str(other)})
        assert response.status_code == 403, other
    web.logout()
    # Nor can the library's staff answer for a partner association.
    web.login("staff@lib.test")
    response = web.post(path, {**ANSWER, "organisation_id": str(world.association.id)})
    assert response.status_code == 403
    web.logout()
    assert _count(web) == 0


@pytest.mark.parametrize("state", ["submitted", "published"])
def test_evaluation_before_the_event_is_held_is_refused(web, world, state):
    async def make(ctx):  # type: ignore[no-untyped-def]
        event_id = await factories.submitted_event(ctx, world)
        if state == "published":
            _location, room_ids = await factories.rooms(ctx, world, 1)
            await factories.approve(ctx, event_id, room_ids[0], START, END)
            staff = await factories.actor(ctx, "staff@lib.test")
            await review.move(ctx, actor=staff, event_id=event_id, action="publish")
        return event_id

    event_id = web.run(make, web.ctx)
    path = f"/events/{event_id}/evaluation"
    for email, org in (("member@assoc.test", world.association), ("staff@lib.test", world.library)):
        web.login(email)
        page = web.get(path)
        assert page.status_code == 200
        assert "The evaluation opens when the event has been held" in page.text
        assert 'name="continue_together"' not in page.text
        response = web.post(path, {**ANSWER, "organisation_id": str(org.id)})
        assert response.status_code == 403, email
        # Not even bad input gets further.
        assert web.post(path, {"organisation_id": str(org.id)}).status_code == 403
        web.logout()
    # The service refuses too, whatever the page shows.
    member = web.run(factories.actor, web.ctx, "member@assoc.test")
    with pytest.raises(Forbidden):
        web.run(
            evaluation_service.evaluate,
            web.ctx,
            actor=member,
            event_id=event_id,
            organisation_id=world.association.id,
            answer=evaluation_service.Answer(continue_together="yes"),
        )
    assert _count(web) == 0
    assert _state(web, event_id) == state


# Several parties ------------------------------------------------------------------------------


def test_someone_in_several_parties_chooses_which_one_they_answer_for(web, world, held):
    web.run(factories.member, web.ctx, world.association.id, "staff@lib.test", "member")
    web.login("staff@lib.test")
    path = f"/events/{held}/evaluation"
    page = web.get(path).text
    options = re.findall(r'<option value="(\d+)"', page.split('id="organisation_id"', 1)[1])
    assert options[:2] == [str(world.association.id), str(world.library.id)]
    assert '<label for="organisation_id">You answer for' in page
    assert web.post(path, {**ANSWER, "organisation_id": str(world.library.id)}).status_code == 303
    assert web.post(path, {**ANSWER, "organisation_id": ""}).status_code == 400
    page = web.get(path).text
    # The party that has not answered comes first; the library's answer can be changed.
    assert re.search(rf'<option value="{world.association.id}" selected>', page)
    assert f'href="{path}?organisation={world.library.id}#form-title"' in page
    again = web.get(f"{path}?organisation={world.library.id}").text
    assert re.search(rf'<option value="{world.library.id}" selected>', again)
    assert 'value="42"' in again
    assert set(_answers(web, held)) == {world.library.id}


def test_a_library_that_co_authors_the_event_answers_once(web, world):
    async def make(ctx):  # type: ignore[no-untyped-def]
        staff = await factories.actor(ctx, "staff@lib.test")
        event_id = await drafting.propose(
            ctx,
            actor=staff,
            organisation=world.library,
            library_id=world.library.id,
            values={
                "title": "Bokcafé",
                "summary": "Books and coffee.",
                "shared_goal": "More readers.",
                "languages": ["sv"],
                "audiences": ["adults"],
                "agreement": factories.AGREEMENT,
                "wished_times": "Any Friday",
            },
        )
        return await _held(ctx, world, event_id, lead_email="staff@lib.test")

    event_id = web.run(make, web.ctx)
    page = web.run(
        evaluation_service.evaluation,
        web.ctx,
        actor=web.run(factories.actor, web.ctx, "staff@lib.test"),
        event_id=event_id,
    )
    assert [p.organisation_id for p in page.parties] == [world.library.id]
    response = _evaluate(web, "staff@lib.test", event_id, organisation_id=str(world.library.id))
    assert response.headers["location"].endswith("?done=evaluated")
    assert _state(web, event_id) == "evaluated"


def test_the_last_two_answering_at_once_still_make_the_event_evaluated(web, world, held):
    async def both(ctx):  # type: ignore[no-untyped-def]
        member = await factories.actor(ctx, "member@assoc.test")
        await evaluation_service.evaluate(
            ctx,
            actor=member,
            event_id=held,
            organisation_id=world.association.id,
            answer=evaluation_service.Answer(continue_together="yes"),
        )
        co_host = await factories.actor(ctx, "admin@otherassoc.test")
        staff = await factories.actor(ctx, "staff@lib.test")
        return await asyncio.gather(
            evaluation_service.evaluate(
                ctx,
                actor=co_host,
                event_id=held,
                organisation_id=world.other_association.id,
                answer=evaluation_service.Answer(continue_together="maybe"),
            ),
            evaluation_service.evaluate(
                ctx,
                actor=staff,
                event_id=held,
                organisation_id=world.library.id,
                answer=evaluation_service.Answer(continue_together="no", attendance=30),
            ),
        )

    states = web.run(both, web.ctx)
    assert sorted(states) == ["completed", "evaluated"]
    assert _state(web, held) == "evaluated"
    moves = _rows(
        web,
        select(func.count())
        .select_from(event_transitions)
        .where(event_transitions.c.event_id == held, event_transitions.c.action == "evaluate"),
    )
    assert moves[0][0] == 1
