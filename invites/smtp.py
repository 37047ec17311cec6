"""E-mail through an SMTP server (the municipality's relay, or a service like Postmark, Mailgun,
Amazon SES, all of which speak SMTP): password resets, invitations, notices to admins.

The standard library's smtplib does the talking, in a thread so the event loop is never
blocked; one connection per message (a handful an hour, never a bulk channel). E-mail is sent
after the change it tells of is committed, and its failure never undoes that change: a
message the server does not take is tried a second time after a pause, and if that fails
too, the failure is logged at ERROR (the recipient's domain and the server's answer, never
the text, which holds personal links) for the operator to see.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from invites.console import OutgoingMessage

log = logging.getLogger("samspel.mail")

SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    security: str = "starttls"  # starttls (port 587), tls (port 465) or none (a local relay)
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 10.0


class SmtpProvider:
    name = "smtp"

    def __init__(self, settings: SmtpSettings, *, retry_after: float = 1.0) -> None:
        self.settings = settings
        self.retry_after = retry_after

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or None
        mail["Message-ID"] = make_msgid(domain=domain)
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.body)  # UTF-8, quoted-printable or base64 as needed
        return mail

    async def send(self, message: OutgoingMessage) -> bool:
        """True when the server took the message."""
        mail = self.compose(message)
        domain = message.recipient.rpartition("@")[2]
        for attempt in (1, 2):
            try:
                await asyncio.to_thread(self._deliver, mail)
                log.info("e-mail to …@%s handed to %s", domain, self.settings.host)
                return True
            except (smtplib.SMTPException, OSError) as exc:
                problem = _describe(exc)
                if attempt == 1 and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    log.warning("e-mail to …@%s not taken (%s); trying again", domain, problem)
                    await asyncio.sleep(self.retry_after)
                    continue
                log.error("e-mail to …@%s could not be sent: %s", domain, problem)
                return False
        return False

    def _deliver(self, mail: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.security == "tls":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            client.ehlo()
            if s.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if s.username:
                client.login(s.username, s.password)
            client.send_message(mail)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"[:200]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused the recipient"
    return f"{type(exc).__name__}: {exc}"[:200]
