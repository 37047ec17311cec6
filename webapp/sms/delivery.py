"""The provider and the dispatcher the settings ask for: wired here, run by the app's
lifespan (``SAMSPEL_SMS_DISPATCHER=app``) or by ``samspel worker``."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from invites.sms.dispatcher import Dispatcher, Policy
from invites.sms.providers import ConsoleSmsProvider, SmsProvider
from invites.sms.twilio_provider import TwilioProvider
from webapp import clock
from webapp.context import Context
from webapp.sms.outbox import SqlOutbox


def make_provider(ctx: Context) -> SmsProvider:
    settings = ctx.settings
    if settings.sms_provider == "twilio":
        return TwilioProvider(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            from_number=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_base=settings.twilio_api_base,
            # A request never outlives half the lease of its message: otherwise another
            # dispatcher could claim the message again while this one is still sending it.
            timeout=min(10.0, settings.sms_lease_seconds / 2),
        )
    # Development: messages go to the log and to /console/messages.
    return ConsoleSmsProvider(ctx.console)


def make_dispatcher(ctx: Context, provider: SmsProvider, *, role: str) -> Dispatcher:
    settings = ctx.settings
    return Dispatcher(
        SqlOutbox(ctx.db),
        provider,
        clock=clock.now,
        worker=f"{role}:{socket.gethostname()}:{os.getpid()}",
        # Twilio reports delivery to /webhooks/twilio/status (webapp/sms/routes.py).
        status_callback=(
            f"{settings.base_url}/webhooks/twilio/status"
            if settings.sms_provider == "twilio"
            else None
        ),
        policy=Policy(
            concurrency=settings.sms_concurrency,
            max_attempts=settings.sms_max_attempts,
            lease=timedelta(seconds=settings.sms_lease_seconds),
            first_delay=float(settings.sms_retry_seconds),
        ),
    )
