"""Named connection profiles in `profiles.toml` under the platform's config directory.

File shape::

    [profiles.prod]
    instance_url = "https://acme.my.salesforce.com"
    login_url = "https://acme.my.salesforce.com"
    flow = "refresh_token"
    client_id = "3MVG9..."

Secret settings are refused here: they belong in the keyring or the environment.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import platformdirs

from sfseg.salesforce.errors import ConfigurationError

__all__ = ["DEFAULT_PROFILE", "list_profiles", "profiles_path", "read_profile", "write_profile"]

#: Keyring entries of a connection made without a profile use this name.
DEFAULT_PROFILE = "default"
_SECRET_KEYS = frozenset({"client_secret", "access_token", "refresh_token", "private_key"})


def profiles_path() -> Path:
    """Path of `profiles.toml` in `platformdirs.user_config_dir("sfseg")`."""
    return Path(platformdirs.user_config_dir("sfseg")) / "profiles.toml"


def _read_all() -> dict[str, dict[str, Any]]:
    path = profiles_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"profile file {path} is not valid TOML: {exc}"
        raise ConfigurationError(msg, hint="fix the file or delete it and run `sfseg login` again") from exc
    profiles = data.get("profiles", {})
    return {name: dict(values) for name, values in profiles.items() if isinstance(values, dict)}


def list_profiles() -> dict[str, dict[str, Any]]:
    """Return every profile with its settings, by name."""
    return _read_all()


def read_profile(name: str) -> dict[str, Any]:
    """Return the settings of profile `name`.

    Raises:
        ConfigurationError: no such profile, or it contains a secret in clear text.
    """
    profiles = _read_all()
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        msg = f"profile {name!r} not found in {profiles_path()} (profiles: {known})"
        raise ConfigurationError(msg, hint="run `sfseg login --profile NAME` or `sfseg profiles list`")
    values = profiles[name]
    leaked = sorted(_SECRET_KEYS & values.keys())
    if leaked:
        msg = f"profile {name!r} in {profiles_path()} holds secret settings in clear text: {', '.join(leaked)}"
        raise ConfigurationError(msg, hint="remove them from the file; set them in SFSEG_* variables or the keyring")
    return values


def write_profile(name: str, values: dict[str, Any]) -> Path:
    """Create or replace profile `name`, keeping the others; secrets are dropped, never written."""
    profiles = _read_all()
    profiles[name] = {k: v for k, v in values.items() if k not in _SECRET_KEYS and v is not None}
    path = profiles_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump(profiles), encoding="utf-8")
    return path


def _dump(profiles: dict[str, dict[str, Any]]) -> str:
    lines: list[str] = []
    for name in sorted(profiles):
        lines.append(f"[profiles.{_toml_key(name)}]")
        for key, value in profiles[name].items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key):
        return key
    return _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
