"""The last meeting: after an event has been held, each party records how it went.

Who answers: every active partner organisation of the event, and the hosting library. When
the library co-authors the event it is one of the partners and answers once, like any
partner (any of its members may write); otherwise its staff and admins answer for it. So
the organisations that must answer are the active partners ∪ {the hosting library}.

Each answers once (attendance as it counted, what worked, what did not, whether to continue
together) and may change its answer while the event is ``completed``. The answer that
completes the set moves the event to ``evaluated`` through the workflow table's ``system``
transition, recorded with the person who gave that last answer; from then on the
evaluation is closed and read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Row

from webapp import audit, clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.events import access, review, store
from webapp.events.workflow import allowed
from webapp.i18n import _
from webapp.problems import Forbidden, Invalid

CONTINUE = ("yes", "no", "maybe")
MAX_TEXT = 2000
MAX_ATTENDANCE = 100_000
# States in which the evaluation can be read; answers are written only while ``completed``.
HELD_STATES = ("completed", "evaluated")


@dataclass(frozen=True)
class Party:
    """An organisation that must answer."""

    organisation_id: int
    name: str


@dataclass(frozen=True)
class Answer:
    continue_together: str
    attendance: int | None = None
    worked: str = ""
    did_not_work: str = ""


@dataclass
class Evaluation:
    """The evaluation page: who must answer, the answers so far, whom the actor answers for."""

    event: access.Event
    parties: list[Party]
    mine: list[Party]
    answers: dict[int, Row] = field(default_factory=dict)

    @property
    def row(self) -> Row:
        return self.event.row

    @property
    def has_started(self) -> bool:
        return self.event.state in HELD_STATES

    @property
    def is_open(self) -> bool:
        """Answers may be written or changed now (by the actor, when ``mine`` is not empty)."""
        return self.event.state == "completed"

    @property
    def pending(self) -> list[Party]:
        return [p for p in self.parties if p.organisation_id not in self.answers]


def parties_of(event: access.Event) -> list[Party]:
    """The organisations that must answer: the active partners (lead first), then the
    hosting library when it is not one of them."""
    found = [Party(p.organisation_id, p.name) for p in event.partners if p.status == "active"]
    if event.library_id not in {p.organisation_id for p in found}:
        found.append(Party(event.library_id, event.row.library_name))
    return found


def answerable_by(actor: Actor, event: access.Event) -> list[Party]:
    """The parties ``actor`` may answer for: a partner through any active membership, the
    hosting library (when it is not a partner) through its staff and admins."""
    partners = set(event.active_partner_ids())
    mine = []
    for party in parties_of(event):
        membership = actor.memberships.get(party.organisation_id)
        if membership is None or membership.status != "active":
            continue
        if party.organisation_id in partners or membership.role in ("admin", "staff"):
            mine.append(party)
    return mine


async def evaluation(ctx: Context, *, actor: Actor, event_id: int) -> Evaluation:
    """The evaluation page. The event's partners and library see it in every state (before
    the event is held it only says when it opens); anyone else is refused."""
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        if not parties & {"library", "partner"}:
            raise Forbidden()
        page = Evaluation(event, parties_of(event), [])
        if page.has_started:
            access.require(actor, "event.evaluate", event)
            page.mine = answerable_by(actor, event)
            page.answers = {
                r.organisation_id: r for r in await store.evaluations_of(conn, event_id)
            }
    return page


async def evaluate(
    ctx: Context, *, actor: Actor, event_id: int, organisation_id: int, answer: Answer
) -> str:
    """Write (or change) ``organisation_id``'s evaluation; the last one moves the event to
    ``evaluated``. Returns the event's state afterwards."""
    if answer.continue_together not in CONTINUE:
        raise Invalid({"continue_together": _("Choose one of the options.")})
    now = clock.now()
    async with ctx.db.transaction() as conn:
        # Two parties answering last at the same moment: one of them sees the other's answer.
        await store.lock_event(conn, event_id)
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.evaluate", event)
        if event.state != "completed":
            raise Forbidden()  # evaluated: the evaluation is closed
        if organisation_id not in {p.organisation_id for p in answerable_by(actor, event)}:
            raise Forbidden()
        await store.save_evaluation(
            conn,
            event_id=event_id,
            organisation_id=organisation_id,
            attendance=answer.attendance,
            worked=answer.worked,
            did_not_work=answer.did_not_work,
            continue_together=answer.continue_together,
            author_id=actor.user_id,
            at=now,
        )
        await audit.record(
            conn,
            action="event.evaluation",
            actor_id=actor.user_id,
            organisation_id=organisation_id,
            target=f"event:{event_id}",
        )
        answered = {row.organisation_id for row in await store.evaluations_of(conn, event_id)}
        if not {p.organisation_id for p in parties_of(event)} <= answered:
            return event.state
        step = allowed(event.state, "evaluate", {"system"})
        if step is None or not await store.move_state(
            conn, event_id, source=event.state, target=step.target, updated_at=now
        ):
            return event.state
        await review._record(conn, event, actor, step.action, step.target, now, "")
    return step.target
