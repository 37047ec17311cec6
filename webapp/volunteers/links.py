"""A volunteer's personal link ``/v/me/{token}``: the token is an HMAC (with the secret key) of
the person's random ``link_key``, so every SMS can carry the link again while only the
token's SHA-256 is looked up."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.engine import Row

from webapp.context import Context


def new_link_key() -> str:
    return secrets.token_urlsafe(18)[:24]


def token_for(ctx: Context, link_key: str) -> str:
    digest = hmac.new(
        ctx.settings.secret_key.encode(), b"volunteer:" + link_key.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()  # 144 bits, 24 characters


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def personal_link(ctx: Context, volunteer: Row) -> str:
    return f"{ctx.settings.base_url}/v/me/{token_for(ctx, volunteer.link_key)}"
