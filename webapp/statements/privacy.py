"""The privacy page's content: what the service keeps about people, why, on what basis, for
how long and who sees it, made from the running settings (periods, the SMS provider).

Each period here is the rule the code applies (``webapp/worker.py`` and the domains' clean-up
functions); a change there must change the sentence here (tests/http/test_statements.py
reads the page with other settings)."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.i18n import _, ngettext
from webapp.settings import Settings


@dataclass(frozen=True)
class Record:
    key: str
    title: str
    what: str
    why: str
    basis: str
    kept: str


@dataclass(frozen=True)
class Processor:
    name: str
    what: str
    url: str


def _months(n: int) -> str:
    return ngettext("%(num)d month", "%(num)d months", n)


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def records(settings: Settings) -> list[Record]:
    retention = _months(settings.contact_retention_months)
    return [
        Record(
            key="accounts",
            title=_("Accounts of library staff and association members"),
            what=_(
                "Name, e-mail address, password (only as a one-way hash), language, which "
                "organisations you belong to and your role there, and the time of your last "
                "log-in."
            ),
            why=_("So that you can log in and plan events with your partners."),
            basis=_("Needed for the service you or your organisation asked for."),
            kept=_(
                "While you use the service. Ask the operator to close your account; there "
                "is no automatic deletion of accounts."
            ),
        ),
        Record(
            key="work",
            title=_("Events, comments and the change log"),
            what=_(
                "What you write in the service (events, comments, evaluations) with your name, "
                "and a log of who changed what and when."
            ),
            why=_("So that partners can plan together and see who did what."),
            basis=_("The public task of the libraries and the agreement between partners."),
            kept=_("As long as the event is kept, so that the program's history stays whole."),
        ),
        Record(
            key="contacts",
            title=_("Contacts and their lists (tags)"),
            what=_(
                "Name, mobile number and language of people an organisation may send SMS "
                "to, with the lists they are on and where and when they gave their consent."
            ),
            why=_("To invite people to events by SMS."),
            basis=_(
                "Consent, recorded for every contact. Anyone can withdraw it by answering "
                "STOP or through the link in every message."
            ),
            kept=_(
                "A contact that has not been used (no message, no change) for %(period)s is "
                "deleted with its lists. A contact can ask for their data or its deletion at "
                "any time through the link in their messages.",
                period=retention,
            ),
        ),
        Record(
            key="sms",
            title=_("SMS log and replies"),
            what=_(
                "The messages sent (number, text, delivery status and cost) and the replies "
                "received. Numbers that asked for no more messages are kept only as a "
                "one-way hash, so that nobody messages them again."
            ),
            why=_("To deliver messages, show whether they arrived, and respect a stop."),
            basis=_("The same consent as the contact; the stop list to respect your choice."),
            kept=_(
                "Messages and replies keep neither the number nor the text after %(period)s, "
                "or as soon as the contact is deleted; their status and cost stay for the "
                "organisation's figures. The stop list is kept for as long as the service "
                "runs.",
                period=retention,
            ),
        ),
        Record(
            key="rsvps",
            title=_("Sign-ups for events (RSVPs)"),
            what=_(
                "Your name, your mobile number if you give it, how many you come with, the "
                "date, and the link you came through."
            ),
            why=_(
                "To keep your place, put you on the waitlist, remind you and tell you about "
                "changes."
            ),
            basis=_("Needed for what you asked for: a place at the event."),
            kept=_(
                "Your name and number are deleted %(period)s after the date; how many came, "
                "and through which invitation, stays without them.",
                period=_days(settings.rsvp_retention_days),
            ),
        ),
        Record(
            key="volunteers",
            title=_("Volunteers and their hours"),
            what=_(
                "Your name, mobile number, languages, the shifts you signed up for and the "
                "hours you were checked in."
            ),
            why=_("To plan the shifts, remind you, and count volunteer hours for funders."),
            basis=_("Consent, ticked on the sign-up form."),
            kept=_(
                "You are deleted %(period)s after the end of your last shift, or earlier when "
                "you delete yourself on your personal page. Hours already worked stay, without "
                "your name.",
                period=retention,
            ),
        ),
        Record(
            key="sessions",
            title=_("Log-in sessions and cookies"),
            what=_(
                "For each log-in: your network address and browser description. Cookies: one "
                "for the log-in, one against forged forms, and one for the language you chose. "
                "No cookies for statistics or advertising."
            ),
            why=_("To keep you logged in and to protect your account."),
            basis=_("Needed for the service, and its security."),
            kept=_(
                "A log-in ends after %(period)s without activity, or when you log out; the "
                "session is deleted after that.",
                period=_days(settings.session_days),
            ),
        ),
        _mail(settings),
        Record(
            key="limits",
            title=_("Counters against abuse"),
            what=_(
                "The network address (or, for log-ins, the e-mail address) with a count of "
                "attempts: log-ins, sign-ups and forms."
            ),
            why=_("To stop password guessing and floods of forms."),
            basis=_("The security of the service."),
            kept=_(
                "Counted in windows of %(login)s for log-ins and %(forms)s for public forms; "
                "deleted after a day.",
                login=ngettext(
                    "%(num)d minute", "%(num)d minutes", settings.login_limit_window_seconds // 60
                ),
                forms=ngettext(
                    "%(num)d minute",
                    "%(num)d minutes",
                    settings.public_form_limit_window_seconds // 60,
                ),
            ),
        ),
        Record(
            key="reports",
            title=_("Accessibility reports"),
            what=_(
                "What you describe, the page, and your name and contact details if you give them."
            ),
            why=_("To fix the problem and answer you."),
            basis=_("The accessibility law's duty to handle reports."),
            kept=_("Until the operator's admins have handled the report and delete it."),
        ),
        Record(
            key="visits",
            title=_("Visits through shared links"),
            what=_("A count per link and day. Nothing about the visitor."),
            why=_("To learn which invitations reach people."),
            basis=_("No personal data."),
            kept=_("With the event."),
        ),
    ]


def _mail(settings: Settings) -> Record:
    title = _("E-mails sent by the service")
    what = _(
        "Invitations to join an organisation, password-reset messages and notices to "
        "library admins: the address, subject and text."
    )
    basis = _("Needed for the service you or your organisation asked for.")
    if settings.mail_provider == "smtp":
        return Record(
            key="mail", title=title, what=what, basis=basis,
            why=_("To let you in, and to tell you what needs your answer."),
            kept=_(
                "Not kept by the service: each e-mail is handed to the mail server and "
                "only a line saying that it was sent, to which domain, is logged."
            ),
        )  # fmt: skip
    return Record(
        key="mail", title=title, what=what, basis=basis,
        why=_(
            "This installation sends no e-mail: library admins read these messages in the "
            "service and pass them on."
        ),
        kept=_("Deleted after %(period)s.", period=_days(30)),
    )  # fmt: skip


def processors(settings: Settings) -> list[Processor]:
    """Who handles personal data for the operator."""
    found = []
    if settings.sms_provider == "twilio":
        found.append(
            Processor(
                name="Twilio",
                what=_(
                    "delivers the SMS: it receives the mobile number and the text of each "
                    "message, and the replies."
                ),
                url="https://www.twilio.com/legal/privacy",
            )
        )
    if settings.mail_provider == "smtp":
        found.append(
            Processor(
                name=settings.smtp_host,
                what=_("delivers the e-mails: it receives the address and the text of each."),
                url="",
            )
        )
    return found
