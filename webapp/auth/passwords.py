"""Argon2id password hashing, run in a worker thread so it never blocks the event loop."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults

MIN_LENGTH = 10
MAX_LENGTH = 256

# A valid hash of a random password: verifying against it when the account does not exist
# costs the same time as a real check, so timing does not tell which e-mails have accounts.
_DUMMY_HASH = _hasher.hash("samspel-no-such-account-padding")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
