"""Client secrets and people's passwords: generated with `secrets`, stored as argon2 hashes.

Hashing and verifying take a tenth of a second on purpose; callers on the event loop run
them in a worker thread.
"""

import secrets
from functools import cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError

_HASHER = PasswordHash.recommended()


@cache
def _decoy_hash() -> str:
    # Verified when no stored hash exists, so an unknown name costs as long as a wrong password.
    return _HASHER.hash(secrets.token_urlsafe(16))


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def verify_secret(secret: str, stored_hash: str | None) -> bool:
    if not secret:
        return False
    if stored_hash is None:
        _HASHER.verify(secret, _decoy_hash())
        return False
    try:
        return _HASHER.verify(secret, stored_hash)
    except PwdlibError:
        return False
