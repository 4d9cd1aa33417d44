"""Secrets in the system keyring: client secrets and refresh tokens, one entry per profile."""

from __future__ import annotations

import contextlib

import keyring
import keyring.errors

__all__ = ["KEYRING_SERVICE", "delete_secret", "get_secret", "set_secret"]

#: Keyring service name; each entry's user name is `<profile>:<setting>`.
KEYRING_SERVICE = "sfseg"


def _entry(profile: str, setting: str) -> str:
    return f"{profile}:{setting}"


def get_secret(profile: str, setting: str) -> str | None:
    """Return the stored `setting` (client_secret, refresh_token) of `profile`, or None.

    A keyring that cannot be used (no backend on a headless machine) counts as empty.
    """
    try:
        value = keyring.get_password(KEYRING_SERVICE, _entry(profile, setting))
    except keyring.errors.KeyringError:
        return None
    return value if value else None


def set_secret(profile: str, setting: str, value: str) -> None:
    """Store `value` for `profile`; replaces an earlier value (a rotated refresh token)."""
    keyring.set_password(KEYRING_SERVICE, _entry(profile, setting), value)


def delete_secret(profile: str, setting: str) -> None:
    """Remove a stored value; a value never stored is not an error."""
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(KEYRING_SERVICE, _entry(profile, setting))
