"""The ASGI application for servers: ``uvicorn webapp.asgi:app --workers 4``."""

from webapp.app import create_app
from webapp.settings import load_settings

app = create_app(load_settings())
