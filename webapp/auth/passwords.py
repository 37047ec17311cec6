"""Argon2id password hashing, run in a worker thread so it never blocks the event loop.

The application holds one :class:`Passwords` (``ctx.passwords``), built from
``Settings.password_hashing``: ``"argon2id"`` (the library's RFC 9106 low-memory profile)
everywhere people log in, ``"argon2id-test"`` (argon2's cheapest profile) only in the test
suite, where thousands of accounts are made and hashing cost would dominate its run time.
The setting is not read from the environment, so a deployment cannot weaken it by accident.
"""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256

PROFILES = {
    "argon2id": profiles.RFC_9106_LOW_MEMORY,
    "argon2id-test": profiles.CHEAPEST,
}


class Passwords:
    def __init__(self, profile: str = "argon2id") -> None:
        self._hasher = PasswordHasher.from_parameters(PROFILES[profile])
        # A valid hash of a random password: verifying against it when the account does not
        # exist costs the same time as a real check, so timing does not tell which e-mails
        # have accounts.
        self._dummy_hash = self._hasher.hash("samspel-no-such-account-padding")

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(
                    password_hash
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
