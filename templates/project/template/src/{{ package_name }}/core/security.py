"""Secrets and passwords: the signing key, and password hashing with argon2."""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# Environments in which a missing secret is replaced by a fixed, public one.
INSECURE_ENVIRONMENTS = frozenset({"development", "test"})
DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
# Values that people copy from examples; they protect nothing.
DEFAULT_SECRET_KEYS = frozenset(
    {"", "secret", "changeme", "change-me", "change_me", DEVELOPMENT_SECRET_KEY}
)


def app_env() -> str:
    """The deployment environment from `APP_ENV` (default: `production`)."""
    return os.environ.get("APP_ENV", "production").strip().lower()


def secret_key() -> str:
    """The key that signs tokens and cursors (`APP_SECRET_KEY`).

    A missing or well-known key is only accepted when `APP_ENV` is `development` or `test`;
    anywhere else it raises, so a forgotten setting can never sign tokens in production.
    """
    key = os.environ.get("APP_SECRET_KEY", "").strip()
    if key and key not in DEFAULT_SECRET_KEYS:
        return key
    if app_env() in INSECURE_ENVIRONMENTS:
        return key or DEVELOPMENT_SECRET_KEY
    problem = "is not set" if not key else "is a default, publicly known value"
    raise RuntimeError(
        f"APP_SECRET_KEY {problem}; refusing to start. Set it to a long random value, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, "
        "or set APP_ENV=development for local work."
    )


def _password_hasher() -> PasswordHasher:
    # Tests hash many passwords; the cheapest parameters keep them fast (never in production).
    if app_env() == "test":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hash_password(plain: str) -> str:
    """An argon2id hash of `plain`, salted, safe to store."""
    return _password_hasher().hash(plain)


def verify_password(hashed: str, plain: str) -> bool:
    """True when `plain` is the password `hashed` was made from."""
    try:
        return _password_hasher().verify(hashed, plain)
    except (VerificationError, InvalidHashError):
        return False
