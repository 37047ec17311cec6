"""The ASGI application for servers: ``uvicorn webapp.asgi:app --workers 4``.

Logging is set up here as ``samspel serve`` sets it up (``SAMSPEL_LOG_FORMAT``; uvicorn's
access log, which would write paths with tokens, is replaced by the app's own)."""

from webapp.app import create_app
from webapp.logs import configure
from webapp.settings import load_settings

settings = load_settings()
configure(settings.log_level, settings.log_format)
app = create_app(settings)
