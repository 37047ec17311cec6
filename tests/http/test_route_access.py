"""Every route, called as every role: who gets in and who is turned away.

The table below must name every route of the app; a new route without a row fails here,
so nobody can add a page and forget who may see it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from starlette.routing import Route

from tests import factories
from tests.factories import actor
from webapp.events import store as event_store
from webapp.locations import service as locations
from webapp.slots import service as slots
from webapp.volunteers import store as volunteer_store

# The roles: anonymous, member of another association, association member, staff of
# another library, staff, admin (and each organisation's admin beside its plain member).
ROLES = (
    "anonymous",
    "library_admin",
    "library_staff",
    "other_library_admin",
    "other_library_staff",
    "association_admin",
    "association_member",
    "other_association_admin",
    "other_association_member",
)
# Made by this module (the shared ``world`` has no plain member of the other association).
OTHER_ASSOCIATION_MEMBER = "member@otherassoc.test"
EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
LIBRARY_ADMIN = {"library_admin"}
LIBRARY_PEOPLE = {"library_admin", "library_staff"}
ASSOCIATION_PEOPLE = {"association_admin", "association_member"}

# route name -> (path template, method, who may)
# Paths use {lib} (the world's library), {assoc} (its association), {location}, {room}.
EXPECTED = {
    "home": ("/", "GET", EVERYONE),
    "healthz": ("/healthz", "GET", EVERYONE),
    # For a scraper with the token, or on this machine; the test client is neither.
    "metrics": ("/metrics", "GET", set()),
    "login": ("/login", "GET", EVERYONE),
    "signup": ("/signup", "GET", EVERYONE),
    "forgot_password": ("/password/forgot", "GET", EVERYONE),
    "reset_password": ("/password/reset/not-a-token", "GET", EVERYONE),
    "invitation": ("/invitations/not-a-token", "GET", EVERYONE),
    "language": ("/language", "POST", EVERYONE),
    "logout": ("/logout", "POST", EVERYONE),
    "dashboard": ("/dashboard", "GET", LOGGED_IN),
    "account": ("/account", "GET", LOGGED_IN),
    "console_messages": ("/console/messages", "GET", LIBRARY_ADMIN | {"other_library_admin"}),
    "organisation": ("/orgs/{lib}", "GET", LIBRARY_PEOPLE),
    "edit_organisation": ("/orgs/{lib}/edit", "GET", LIBRARY_ADMIN),
    "members": ("/orgs/{lib}/members", "GET", LIBRARY_PEOPLE),
    "associations": ("/orgs/{lib}/associations", "GET", LIBRARY_ADMIN),
    "locations": ("/orgs/{lib}/locations", "GET", LIBRARY_PEOPLE),
    "new_location": ("/orgs/{lib}/locations/new", "GET", LIBRARY_ADMIN),
    "edit_location": ("/orgs/{lib}/locations/{location}/edit", "GET", LIBRARY_ADMIN),
    "location_active": ("/orgs/{lib}/locations/{location}/active", "POST", LIBRARY_ADMIN),
    "new_room": ("/orgs/{lib}/locations/{location}/rooms/new", "GET", LIBRARY_ADMIN),
    "edit_room": ("/orgs/{lib}/locations/{location}/rooms/{room}/edit", "GET", LIBRARY_ADMIN),
    "room_active": ("/orgs/{lib}/locations/{location}/rooms/{room}/active", "POST", LIBRARY_ADMIN),
    # The partner directory, on the world's association (an approved partner of the library).
    "partners": ("/orgs/{lib}/partners", "GET", LIBRARY_PEOPLE),
    "partner": ("/orgs/{lib}/partners/{assoc_id}", "GET", LIBRARY_PEOPLE),
    "partner_suggestion": ("/orgs/{lib}/partners/{assoc_id}/suggestion", "POST", LIBRARY_PEOPLE),
    # Co-planning, on a submitted event led by the world's association.
    "new_event": ("/events/new", "GET", LOGGED_IN),
    "event_plan": ("/events/{event}/plan", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "edit_event": ("/events/{event}/edit", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "event_history": ("/events/{event}/history", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "invite_partner": ("/events/{event}/partners", "POST", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "event_partner": ("/events/{event}/partners/{assoc_id}", "GET", ASSOCIATION_PEOPLE),
    "answer_partner_invitation": ("/events/{event}/partners/{assoc_id}/answer", "POST", set()),
    "event_comments": ("/events/{event}/comments", "POST", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "event_action": ("/events/{event}/actions/request_changes", "POST", LIBRARY_PEOPLE),
    "approve_event": ("/events/{event}/approve", "GET", LIBRARY_PEOPLE),
    # The invitation plan of the submitted event: an audience with a network channel and its
    # link (made by the association's member). Deleting takes unknown ids (404 for all).
    "invitations": ("/events/{event}/invitations", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "add_audience": (
        "/events/{event}/invitations/audiences",
        "POST",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),  # fmt: skip
    "audience": (
        "/events/{event}/invitations/audiences/{audience}",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),  # fmt: skip
    "delete_audience": ("/events/{event}/invitations/audiences/999999/delete", "POST", set()),
    "new_channel": (
        "/events/{event}/invitations/audiences/{audience}/channels",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),  # fmt: skip
    "channel": (
        "/events/{event}/invitations/channels/{channel}",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),  # fmt: skip
    "delete_channel": ("/events/{event}/invitations/channels/999999/delete", "POST", set()),
    # A poster of the network channel's link: the submitted event has no date yet (409).
    "channel_poster": (
        "/events/{event}/invitations/channels/{channel}/poster-a4.pdf",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),
    "share_kit": (
        "/events/{event}/invitations/channels/{channel}/share",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),  # fmt: skip
    "add_link": ("/events/{event}/invitations/links", "POST", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "link_qr": (
        "/events/{event}/invitations/links/{link}/qr.svg",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),  # fmt: skip
    "delete_link": ("/events/{event}/invitations/links/999999/delete", "POST", set()),
    "share_link": ("/l/{link_code}", "GET", EVERYONE),
    # RSVPs: only to public events (the submitted one is not: 404 for all); the personal
    # pages answer to a valid token only (tests/http/test_rsvp.py).
    "rsvp": ("/events/{event}/rsvp", "POST", set()),
    "my_rsvp": ("/r/not-a-token", "GET", set()),
    "my_rsvp_calendar": ("/r/not-a-token/calendar.ics", "GET", set()),
    "change_rsvp": ("/r/not-a-token/change", "POST", set()),
    "cancel_rsvp": ("/r/not-a-token/cancel", "POST", set()),
    "claim_rsvp": ("/r/not-a-token/claim", "POST", set()),
    # The check-in list of the day: the event's library and partners (the submitted event has
    # no dates: an empty list); ticking someone unknown is 404 for all.
    "check_in_list": ("/events/{event}/checkin", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "check_in": ("/events/{event}/checkin/999999/999999", "POST", set()),
    # What brought people: per event for its parties, per organisation for its people.
    "event_results": ("/events/{event}/results", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "partner_results": ("/orgs/{lib}/results", "GET", LIBRARY_PEOPLE),
    # One date of a booked event: the submitted event has no dates, so this is the date of
    # an approved event (also led by the world's association). Its library's staff and its
    # lead's members may change it; anyone else does not learn that the event exists.
    "event_date": ("/events/{booked}/dates/{date}", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    # Before the event is held its partners and library see when the evaluation opens.
    "event_evaluation": ("/events/{event}/evaluation", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "review_queue": ("/orgs/{lib}/review", "GET", LIBRARY_PEOPLE),
    "organisation_events": ("/orgs/{lib}/events", "GET", LIBRARY_PEOPLE),
    "inbox": ("/inbox", "GET", LOGGED_IN),
    "inbox_read": ("/inbox/read", "POST", LOGGED_IN),
    # The public program. The event is the submitted one: 404 for the public, a redirect to
    # the workspace for its people (tests/http/test_program.py walks every state).
    "program": ("/program", "GET", EVERYONE),
    "program_week": ("/program/week?week=2030-W49", "GET", EVERYONE),
    "org_program": ("/orgs/{lib}/program", "GET", EVERYONE),
    "org_program_week": ("/orgs/{lib}/program/week", "GET", EVERYONE),
    "event_page": ("/events/{event}", "GET", EVERYONE),
    # The embeddable program (for any website's iframe) and its snippet builder.
    "embed": ("/embed/{lib}", "GET", EVERYONE),
    "org_embed": ("/orgs/{lib}/embed", "GET", LIBRARY_PEOPLE),
    # Calendars: public feeds and files for anyone (the submitted event is not public: 404
    # for everyone); private feeds behind a token (a wrong token is 404 for everyone); the
    # page where people make and revoke their feeds. Posting no choice of feed is refused.
    "organisation_calendar": ("/calendar/{lib}.ics", "GET", EVERYONE),
    "event_calendar": ("/events/{event}.ics", "GET", EVERYONE),
    "private_calendar_feed": ("/calendar/private/not-a-token.ics", "GET", EVERYONE),
    "calendar_feeds": ("/calendar/feeds", "GET", LOGGED_IN),
    "create_calendar_feed": ("/calendar/feeds", "POST", set()),
    "revoke_calendar_feed": ("/calendar/feeds/999999/revoke", "POST", set()),
    # The contact book (a contact and an import staged by the library's admin; another
    # person's staged import is 404; unknown contacts for the POSTs).
    "contacts": ("/orgs/{lib}/contacts", "GET", LIBRARY_PEOPLE),
    "new_contact": ("/orgs/{lib}/contacts/new", "GET", LIBRARY_PEOPLE),
    "contact": ("/orgs/{lib}/contacts/{contact}", "GET", LIBRARY_PEOPLE),
    "export_contact": ("/orgs/{lib}/contacts/{contact}/export.json", "GET", LIBRARY_PEOPLE),
    "delete_contact": ("/orgs/{lib}/contacts/999999/delete", "POST", LIBRARY_PEOPLE),
    "opt_out_contact": ("/orgs/{lib}/contacts/999999/opt-out", "POST", LIBRARY_PEOPLE),
    "import_contacts": ("/orgs/{lib}/contacts/import", "GET", LIBRARY_PEOPLE),
    "contact_import": ("/orgs/{lib}/contacts/import/{contact_import}", "GET", LIBRARY_PEOPLE),
    "compose_sms": ("/orgs/{lib}/sms/new", "GET", LIBRARY_PEOPLE),
    # The SMS log (a send of the library's admin to the contact), replies and the budget.
    "sms_overview": ("/orgs/{lib}/sms", "GET", LIBRARY_PEOPLE),
    "sms_send": ("/orgs/{lib}/sms/sends/{sms_send}", "GET", LIBRARY_PEOPLE),
    "sms_message": ("/orgs/{lib}/sms/messages/{sms_message}", "GET", LIBRARY_PEOPLE),
    "sms_replies": ("/orgs/{lib}/sms/replies", "GET", LIBRARY_PEOPLE),
    "sms_budget": ("/orgs/{lib}/sms/budget", "GET", LIBRARY_ADMIN),
    # The recipient's page behind the message's link: the code is the credential, anyone
    # holding the message may act (deleting comes last in this table: it removes the contact).
    "sms_about": ("/m/{sms_code}", "GET", EVERYONE),
    "sms_about_data": ("/m/{sms_code}/data.json", "GET", EVERYONE),
    "sms_about_stop": ("/m/{sms_code}/stop", "POST", EVERYONE),
    "sms_about_start": ("/m/{sms_code}/start", "POST", EVERYONE),
    # Answering an invitation: this message is about no event (404 for all).
    "sms_about_answer": ("/m/{sms_code}/answer", "POST", set()),
    # Twilio's webhooks: no role opens them, only Twilio's signature (tests/http/
    # test_twilio_webhooks.py); unsigned, they are 403 for everyone.
    "twilio_status": ("/webhooks/twilio/status", "POST", set()),
    "twilio_inbound": ("/webhooks/twilio/inbound", "POST", set()),
    # Program slots, closures, booking rules and the week grid, on one weekly slot.
    "slots": ("/orgs/{lib}/slots", "GET", LIBRARY_PEOPLE),
    "new_slot": ("/orgs/{lib}/slots/new", "GET", LIBRARY_ADMIN),
    "edit_slot": ("/orgs/{lib}/slots/{slot}/edit", "GET", LIBRARY_ADMIN),
    "add_slot_exception": ("/orgs/{lib}/slots/{slot}/exceptions", "POST", LIBRARY_ADMIN),
    "delete_slot_exception": (
        "/orgs/{lib}/slots/{slot}/exceptions/{slot_exception}/delete",
        "POST",
        LIBRARY_ADMIN,
    ),
    "delete_slot": ("/orgs/{lib}/slots/{slot}/delete", "POST", LIBRARY_ADMIN),
    "closures": ("/orgs/{lib}/closures", "GET", LIBRARY_PEOPLE),
    "new_closure": ("/orgs/{lib}/closures/new", "GET", LIBRARY_ADMIN),
    "delete_closure": ("/orgs/{lib}/closures/{closure}/delete", "POST", LIBRARY_ADMIN),
    "library_rules": ("/orgs/{lib}/rules", "GET", LIBRARY_ADMIN),
    "location_week": ("/orgs/{lib}/locations/{location}/week", "GET", LIBRARY_PEOPLE),
    # The public JSON API: anyone may read it (the event is the submitted one: a JSON 404).
    "api_events": ("/api/v1/events", "GET", EVERYONE),
    "api_event": ("/api/v1/events/{event}", "GET", EVERYONE),
    "api_openapi": ("/api/v1/openapi.json", "GET", EVERYONE),
    "api_not_found": ("/api/v1/nothing-here", "GET", EVERYONE),
    # Volunteers: the organisers' pages of an event are for its library and partners; unknown
    # tasks, sign-ups and templates are 404 for all. The sign-up page of the approved event is
    # for anyone; the personal pages answer to a valid token only (tests/http/
    # test_volunteers.py). Hours and templates are the organisation's people's.
    "volunteers": ("/events/{event}/volunteers", "GET", LIBRARY_PEOPLE | ASSOCIATION_PEOPLE),
    "volunteer_access": (
        "/events/{event}/volunteers/access",
        "POST",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),
    "volunteer_new_code": (
        "/events/{event}/volunteers/code",
        "POST",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),
    "copy_volunteer_tasks": ("/events/{event}/volunteers/copy", "POST", set()),
    "new_volunteer_task": (
        "/events/{event}/volunteers/tasks/new",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),
    "edit_volunteer_task": ("/events/{event}/volunteers/tasks/999999", "GET", set()),
    "delete_volunteer_task": ("/events/{event}/volunteers/tasks/999999/delete", "POST", set()),
    "volunteer_roster": (
        "/events/{event}/volunteers/roster",
        "GET",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),
    "volunteer_check_in": ("/events/{event}/volunteers/roster/999999/checkin", "POST", set()),
    "remove_volunteer": ("/events/{event}/volunteers/roster/999999/remove", "POST", set()),
    "message_volunteers": (
        "/events/{event}/volunteers/shifts/999999/message",
        "POST",
        LIBRARY_PEOPLE | ASSOCIATION_PEOPLE,
    ),
    "volunteer_signup": ("/v/{volunteer_code}", "GET", EVERYONE),
    "my_shifts": ("/v/me/not-a-token", "GET", set()),
    "my_shifts_calendar": ("/v/me/not-a-token/calendar.ics", "GET", set()),
    "volunteer_data": ("/v/me/not-a-token/data.json", "GET", set()),
    "volunteer_details": ("/v/me/not-a-token/details", "POST", set()),
    "delete_volunteer_data": ("/v/me/not-a-token/delete", "POST", set()),
    "cancel_shift": ("/v/me/not-a-token/cancel/1", "POST", set()),
    "switch_shift": ("/v/me/not-a-token/switch/1", "POST", set()),
    "organisation_volunteers": ("/orgs/{lib}/volunteers", "GET", LIBRARY_PEOPLE),
    "volunteer_hours_csv": ("/orgs/{lib}/volunteers/hours.csv", "GET", LIBRARY_PEOPLE),
    "new_volunteer_template": ("/orgs/{lib}/volunteers/templates/new", "GET", LIBRARY_PEOPLE),
    "suggested_volunteer_templates": (
        "/orgs/{lib}/volunteers/templates/suggested",
        "POST",
        LIBRARY_PEOPLE,
    ),
    "edit_volunteer_template": ("/orgs/{lib}/volunteers/templates/999999", "GET", set()),
    "delete_volunteer_template": (
        "/orgs/{lib}/volunteers/templates/999999/delete",
        "POST",
        set(),
    ),
    # The accessibility statement at its four addresses, each with the report form (an empty
    # report is refused with a message, for anyone); the privacy page. Editing and the
    # reported problems are for the admins of the library that runs the service (the world's
    # library: the oldest); unknown reports are 404 for them.
    "accessibility": ("/accessibility", "GET", EVERYONE),
    "accessibility_sv": ("/tillganglighet", "POST", EVERYONE),
    "accessibility_da": ("/was", "GET", EVERYONE),
    "accessibility_nb": ("/tilgjengelighet", "GET", EVERYONE),
    "edit_accessibility": ("/accessibility/edit", "GET", LIBRARY_ADMIN),
    "accessibility_reports": ("/accessibility/reports", "GET", LIBRARY_ADMIN),
    "accessibility_report_handled": ("/accessibility/reports/999999/handled", "POST", set()),
    "accessibility_report_delete": ("/accessibility/reports/999999/delete", "POST", set()),
    "privacy": ("/privacy", "GET", EVERYONE),
    "sms_about_delete": ("/m/{sms_code}/delete", "POST", EVERYONE),
}

# The association's own pages, for its people.
ASSOCIATION_PAGES = {
    "organisation": ("/orgs/{assoc}", {"association_admin", "association_member"}),
    "edit_organisation": ("/orgs/{assoc}/edit", {"association_admin"}),
    "members": ("/orgs/{assoc}/members", {"association_admin", "association_member"}),
    "associations": ("/orgs/{assoc}/associations", set()),
    "locations": ("/orgs/{assoc}/locations", set()),
    "partners": ("/orgs/{assoc}/partners", set()),
    "organisation_events": ("/orgs/{assoc}/events", ASSOCIATION_PEOPLE),
    "review_queue": ("/orgs/{assoc}/review", set()),
    "org_program": ("/orgs/{assoc}/program", EVERYONE),
    "org_program_week": ("/orgs/{assoc}/program/week", EVERYONE),
    "embed": ("/embed/{assoc}", EVERYONE),
    "contacts": ("/orgs/{assoc}/contacts", ASSOCIATION_PEOPLE),
    "import_contacts": ("/orgs/{assoc}/contacts/import", ASSOCIATION_PEOPLE),
    "compose_sms": ("/orgs/{assoc}/sms/new", ASSOCIATION_PEOPLE),
    "sms_overview": ("/orgs/{assoc}/sms", ASSOCIATION_PEOPLE),
    "partner_results": ("/orgs/{assoc}/results", ASSOCIATION_PEOPLE),
    "sms_replies": ("/orgs/{assoc}/sms/replies", ASSOCIATION_PEOPLE),
    "sms_budget": ("/orgs/{assoc}/sms/budget", {"association_admin"}),
    "organisation_calendar": ("/calendar/{assoc}.ics", EVERYONE),
    "org_embed": ("/orgs/{assoc}/embed", ASSOCIATION_PEOPLE),
    "slots": ("/orgs/{assoc}/slots", set()),
    "closures": ("/orgs/{assoc}/closures", set()),
    "library_rules": ("/orgs/{assoc}/rules", set()),
    "organisation_volunteers": ("/orgs/{assoc}/volunteers", ASSOCIATION_PEOPLE),
    "new_volunteer_template": ("/orgs/{assoc}/volunteers/templates/new", ASSOCIATION_PEOPLE),
}


def test_every_route_has_a_row(app):
    names = {route.name for route in app.routes if isinstance(route, Route)}
    assert names == set(EXPECTED), (
        f"add rows for {names - set(EXPECTED)}; remove {set(EXPECTED) - names}"
    )


def _place(web, world):
    async def make():
        admin = await actor(web.ctx, world.emails["library_admin"])
        location_id = await locations.create_location(
            web.ctx,
            actor=admin,
            library=world.library,
            values={
                "name": "Stadsbiblioteket",
                "street": "Kung Oscars väg 11",
                "postal_code": "211 33",
                "city": "Malmö",
                "country": "SE",
                "directions": "",
            },
        )
        room_id = await locations.create_room(
            web.ctx,
            actor=admin,
            library=world.library,
            location_id=location_id,
            values={
                "name": "Hörsalen",
                "capacity": 100,
                "accessibility": [],
                "equipment": [],
                "notes": "",
            },
        )
        return location_id, room_id

    location_id, room_id = web.run(make)
    event_id = web.run(factories.submitted_event, web.ctx, world)
    return {
        "lib": world.library.slug,
        "assoc": world.association.slug,
        "location": location_id,
        "room": room_id,
        "event": event_id,
        "assoc_id": world.association.id,
        **web.run(_slot_params, web.ctx, world, room_id),
        **web.run(_booked_params, web.ctx, world, room_id),
        **web.run(_contact_params, web.ctx, world),
        **web.run(_invitation_params, web.ctx, event_id),
    }


async def _invitation_params(ctx, event_id):
    """An audience of the submitted event with a network channel, and the channel's link."""
    from webapp.invitations import service as invitations
    from webapp.invitations import store as invitation_store

    member = await actor(ctx, "member@assoc.test")
    audience_id = await invitations.add_audience(
        ctx, actor=member, event_id=event_id,
        values={"name": "Grannar", "language": "sv", "size": None},
    )  # fmt: skip
    channel_id = await invitations.add_channel(
        ctx, actor=member, event_id=event_id, audience_id=audience_id,
        values={"kind": "network", "message": "Välkommen!", "send_on": None,
                "responsible_id": None, "status": "planned"},
    )  # fmt: skip
    async with ctx.db.read() as conn:
        (link,) = await invitation_store.links_of(conn, event_id)
    return {"audience": audience_id, "channel": channel_id, "link": link.id, "link_code": link.code}


async def _contact_params(ctx, world):
    """A contact of the library and a CSV import its admin has not confirmed yet."""
    from webapp.contacts import service as contacts

    admin = await actor(ctx, world.emails["library_admin"])
    contact_id = await contacts.create(
        ctx,
        actor=admin,
        organisation=world.library,
        values={
            "name": "Ayman",
            "phone": "+46701234567",
            "consent_source": "form",
            "consent_on": date(2026, 9, 1),
        },
    )
    import_id = await contacts.stage_import(
        ctx,
        actor=admin,
        organisation=world.library,
        filename="list.csv",
        data=b"name;phone;consent;date\nLina;0702345678;form;2026-09-01\n",
    )
    from webapp.sms import service as sms
    from webapp.sms import store as sms_store

    sent = await sms.send(
        ctx, actor=admin, organisation=world.library, template="Hej {name}!",
        contact_ids=[contact_id],
    )  # fmt: skip
    async with ctx.db.read() as conn:
        (message,) = await sms_store.messages_of_send(conn, sent.send_id)
    return {
        "contact": contact_id,
        "contact_import": import_id,
        "sms_send": sent.send_id,
        "sms_message": message.id,
        "sms_code": message.code,
    }


async def _booked_params(ctx, world, room_id):
    """An approved event with one booked date in the room."""
    event_id = await factories.submitted_event(ctx, world, title="Bokcirkel")
    start = datetime(2027, 6, 1, 16, 0, tzinfo=UTC)
    await factories.approve(ctx, event_id, room_id, start, start + timedelta(hours=2))
    async with ctx.db.read() as conn:
        dates = await event_store.occurrences_of(conn, event_id)
    async with ctx.db.transaction() as conn:
        board = await volunteer_store.ensure_board(conn, event_id, "testboard42", start)
    return {"booked": event_id, "date": dates[0].id, "volunteer_code": board.code}


async def _slot_params(ctx, world, room_id):
    """A weekly slot with one skipped date, and a closure."""
    admin = await actor(ctx, world.emails["library_admin"])
    slot_id = await slots.create_slot(
        ctx,
        actor=admin,
        library=world.library,
        values={
            "room_id": room_id,
            "interval_weeks": 1,
            "first_date": date(2026, 12, 1),
            "until_date": date(2027, 3, 30),
            "start_time": time(18),
            "end_time": time(20),
            "note": "",
        },
    )
    exception_id = await slots.add_exception(
        ctx, actor=admin, library=world.library, slot_id=slot_id, on_date=date(2026, 12, 8)
    )
    closure_id = await slots.add_closure(
        ctx,
        actor=admin,
        library=world.library,
        values={
            "location_id": None,
            "first_date": date(2026, 12, 24),
            "last_date": date(2026, 12, 26),
            "reason": "Christmas",
        },
    )
    return {"slot": slot_id, "slot_exception": exception_id, "closure": closure_id}


def _call(web, method, path):
    if method == "GET":
        return web.get(path)
    return web.post(path, {})


def _sent_to_login(response):
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def _turned_away(role, response):
    """Anonymous visitors are sent to log in; others get 403 (or 404 for a page that is
    not of this organisation's kind). Never a 500."""
    if role == "anonymous" and _sent_to_login(response):
        return True
    return response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_route_access_matrix(web, world, role):
    params = _place(web, world)
    if role == "other_association_member":
        web.run(
            factories.member,
            web.ctx,
            world.other_association.id,
            OTHER_ASSOCIATION_MEMBER,
            "member",
        )
        world.emails[role] = OTHER_ASSOCIATION_MEMBER
    if role != "anonymous":
        web.login(world.emails[role])
    failures = []
    cases = [(name, path, method, allowed) for name, (path, method, allowed) in EXPECTED.items()]
    cases += [
        (f"{name} (association)", path, "GET", allowed)
        for name, (path, allowed) in ASSOCIATION_PAGES.items()
    ]
    for name, template, method, allowed in cases:
        if name == "logout":
            continue  # would end the session; covered in test_login.py
        path = template.format(**params)
        response = _call(web, method, path)
        if role in allowed:
            # Allowed: any answer but a refusal (a bad token's page may say 404).
            ok = response.status_code < 500 and response.status_code != 403
            ok = ok and not _sent_to_login(response)
        else:
            ok = _turned_away(role, response)
        if not ok:
            failures.append(f"{method} {path}: {response.status_code} for {role}")
    assert not failures, "\n".join(failures)
