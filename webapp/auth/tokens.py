"""Random secrets and signed, expiring links."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What we store of a secret: its SHA-256 (a leaked table grants nothing)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class LinkSigner:
    """Signs small payloads into URL-safe tokens that expire (password reset links)."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=f"samspel.{purpose}")

    def sign(self, payload: dict) -> str:
        return self._serializer.dumps(payload)

    def load(self, token: str, max_age_seconds: int) -> dict | None:
        try:
            value = self._serializer.loads(token, max_age=max_age_seconds)
        except (SignatureExpired, BadSignature):
            return None
        return value if isinstance(value, dict) else None
