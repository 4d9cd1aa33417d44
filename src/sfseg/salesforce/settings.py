"""Connection settings: what to connect to, how to sign in, and the checks made before any request.

Settings come from a named profile in `profiles.toml` (see `sfseg.salesforce.profiles`),
then `SFSEG_*` environment variables override them. Secrets come from the
environment or the system keyring, never from the profile file.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from sfseg.salesforce.errors import ConfigurationError

__all__ = [
    "DEFAULT_API_VERSION",
    "ENV_VARIABLES",
    "PRODUCTION_AUDIENCE",
    "SANDBOX_AUDIENCE",
    "ConnectionSettings",
    "Flow",
    "is_loopback_host",
]

#: Spring '26 (API 66.0, February 2026); paths always use the `vNN.N` form.
DEFAULT_API_VERSION = "66.0"
#: JWT `aud` values Salesforce accepts: production orgs and sandboxes.
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
#: Generic login hosts; the client-credentials flow is refused on them
#: ("request not supported on this domain") and needs the org's My Domain.
GENERIC_LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})
#: Default URL length limit for GET requests. Salesforce returns 414 past 16,384
#: bytes of URI and headers; 8,000 leaves room for headers and proxies.
DEFAULT_MAX_URL_BYTES = 8_000
#: Salesforce's limit on URI plus headers (HTTP 414 or 431 past it).
SALESFORCE_MAX_URI_BYTES = 16_384

Flow = Literal["client_credentials", "jwt", "refresh_token", "web", "access_token"]

#: Setting name → environment variable that overrides it.
ENV_VARIABLES: dict[str, str] = {
    "instance_url": "SFSEG_INSTANCE_URL",
    "login_url": "SFSEG_LOGIN_URL",
    "api_version": "SFSEG_API_VERSION",
    "flow": "SFSEG_FLOW",
    "client_id": "SFSEG_CLIENT_ID",
    "client_secret": "SFSEG_CLIENT_SECRET",
    "username": "SFSEG_USERNAME",
    "private_key_file": "SFSEG_PRIVATE_KEY_FILE",
    "access_token": "SFSEG_ACCESS_TOKEN",
    "refresh_token": "SFSEG_REFRESH_TOKEN",
    "ca_file": "SFSEG_CA_FILE",
    "audience": "SFSEG_AUDIENCE",
    "reserve_fraction": "SFSEG_RESERVE_FRACTION",
}

SECRET_SETTINGS = ("client_secret", "access_token", "refresh_token")


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConnectionSettings(BaseModel):
    """One org connection: hosts, API version, auth flow and its values, limits.

    Secret values are `SecretStr`, so they print as `**********`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str | None = None
    instance_url: str | None = None
    login_url: str | None = None
    api_version: str = DEFAULT_API_VERSION
    flow: Flow | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    username: str | None = None
    private_key_file: str | None = None
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    ca_file: str | None = None
    audience: str | None = None
    #: Share of the daily API allowance left untouched (0.1 = stop at 90 % used).
    reserve_fraction: float = Field(default=0.0, ge=0.0, lt=1.0)
    #: Requests this client sends at the same time, at most.
    max_in_flight: int = Field(default=4, ge=1)
    #: Seconds to wait for a connection or a response.
    timeout: float = Field(default=60.0, gt=0)
    #: Longest GET URL the client builds, in bytes; long IN lists are split to fit.
    max_url_bytes: int = Field(default=DEFAULT_MAX_URL_BYTES, ge=1_000, le=SALESFORCE_MAX_URI_BYTES)
    #: Loopback port for `sfseg login`; 0 picks a free one.
    redirect_port: int = Field(default=0, ge=0, le=65_535)

    @classmethod
    def load(
        cls,
        profile: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> ConnectionSettings:
        """Read a profile, apply `SFSEG_*` variables and keyring secrets, then `overrides`.

        Args:
            profile: profile name; None means `SFSEG_PROFILE`, else the settings come
                from the environment alone.
            environ: variables to read instead of `os.environ` (tests).
            overrides: setting values that win over everything else.

        Raises:
            ConfigurationError: the profile does not exist or a value is invalid.
        """
        from sfseg.salesforce import profiles, secrets

        env = os.environ if environ is None else environ
        name = profile or env.get("SFSEG_PROFILE") or None
        values: dict[str, Any] = dict(profiles.read_profile(name)) if name else {}
        for setting, variable in ENV_VARIABLES.items():
            if env.get(variable):
                values[setting] = env[variable]
        for setting in ("client_secret", "refresh_token"):
            if setting not in values:
                stored = secrets.get_secret(name or profiles.DEFAULT_PROFILE, setting)
                if stored is not None:
                    values[setting] = stored
        values.update(overrides)
        values["profile"] = name
        try:
            return cls(**values)
        except ValidationError as exc:
            where = f" in profile {name!r}" if name else ""
            msg = f"invalid connection settings{where}: {_describe_errors(exc)}"
            raise ConfigurationError(msg, hint="fix the value in profiles.toml or the SFSEG_* variable") from None

    # --- derived values ---------------------------------------------------------

    @property
    def resolved_flow(self) -> Flow:
        """The auth flow: the one set, or the one the given values imply."""
        if self.flow is not None:
            return self.flow
        if self.access_token is not None:
            return "access_token"
        if self.private_key_file:
            return "jwt"
        if self.refresh_token is not None:
            return "refresh_token"
        return "client_credentials"

    @property
    def token_host_url(self) -> str:
        """Base URL of the OAuth endpoints: the login URL, else the instance URL."""
        url = self.login_url or self.instance_url
        if not url:
            raise _missing_error([_HOST])
        return url.rstrip("/")

    @property
    def jwt_audience(self) -> str:
        """The JWT `aud`: the one set, else sandbox or production from the login host."""
        if self.audience:
            return self.audience
        return SANDBOX_AUDIENCE if _is_sandbox_host(self.token_host_url) else PRODUCTION_AUDIENCE

    # --- validation -------------------------------------------------------------

    def check(self) -> None:
        """Check the settings the chosen flow needs, before any request.

        Raises:
            ConfigurationError: naming the setting, the value and the fix.
        """
        for setting in ("instance_url", "login_url"):
            url = getattr(self, setting)
            if url:
                _check_url(setting, url)
        flow = self.resolved_flow
        missing = [(setting, example) for setting, example in _FLOW_NEEDS[flow] if not getattr(self, setting)]
        if flow != "access_token" and not (self.login_url or self.instance_url):
            missing.append(_HOST)
        if missing:
            raise _missing_error(missing, self.profile)
        _check_ca_file(self.ca_file)
        _FLOW_CHECKS[flow](self)

    def public_values(self) -> dict[str, Any]:
        """Settings without secrets, for `profiles show` and logs; secrets show as set/unset."""
        data = self.model_dump(exclude=set(SECRET_SETTINGS))
        for setting in SECRET_SETTINGS:
            data[setting] = "(set)" if getattr(self, setting) is not None else None
        data["flow"] = self.resolved_flow
        return data


def _describe_errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        setting = ".".join(str(p) for p in error["loc"])
        # Secret values never go into a message, even when they are invalid.
        shown = "(secret)" if setting in SECRET_SETTINGS else repr(error.get("input"))
        parts.append(f"{setting} = {shown}: {error['msg']}")
    return "; ".join(parts)


#: The host a flow needs when neither URL is set: the instance URL is the one
#: most users have (the sandbox and My Domain serve OAuth on it too).
_HOST = ("instance_url", "the org's URL, such as https://acme.my.salesforce.com (or login_url for a separate login host)")


def _missing_error(missing: list[tuple[str, str]], profile: str | None = None) -> ConfigurationError:
    """Build one error that names every missing setting, where to set it and an example value."""
    names = ", ".join(setting for setting, _ in missing)
    msg = f"setting {names} is missing" if len(missing) == 1 else f"settings {names} are missing"
    return ConfigurationError(msg, hint="; ".join(_how_to_set(setting, example, profile) for setting, example in missing))


def _how_to_set(setting: str, example: str, profile: str | None) -> str:
    """Return how to set one missing setting. Secrets get no profile advice, because
    `profiles.read_profile` rejects a profile that contains one."""
    variable = ENV_VARIABLES[setting]
    if setting == "client_secret":
        from sfseg.salesforce.profiles import DEFAULT_PROFILE
        from sfseg.salesforce.secrets import KEYRING_SERVICE

        entry = f"{profile or DEFAULT_PROFILE}:client_secret"
        command = f"python -c \"import keyring, getpass; keyring.set_password('{KEYRING_SERVICE}', '{entry}', getpass.getpass())\""
        return f"set {variable} to {example}, or store it in the system keyring with `{command}`"
    if setting in SECRET_SETTINGS:
        return f"set {variable} to {example}"
    return f"set {variable} (or {setting} in the profile) to {example}"


def _check_ca_file(ca_file: str | None) -> None:
    """Require a readable CA file; a relative path is read from the current directory."""
    if not ca_file:
        return
    path = Path(ca_file)
    where = f"{ca_file!r}" if path.is_absolute() else f"{ca_file!r} (relative to {os.getcwd()})"
    hint = "set SFSEG_CA_FILE (or ca_file in the profile) to the absolute path of the CA certificate (PEM)"
    if not path.is_file():
        msg = f"CA file {where} not found"
        raise ConfigurationError(msg, hint=hint)
    if not os.access(path, os.R_OK):
        msg = f"CA file {where} cannot be read"
        raise ConfigurationError(msg, hint=hint)


def _check_url(setting: str, url: str) -> None:
    parts = urlsplit(url)
    variable = ENV_VARIABLES[setting]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"setting {setting} = {url!r} is not an http(s) URL"
        raise ConfigurationError(msg, hint=f"set {variable} to a URL such as https://acme.my.salesforce.com")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        msg = f"setting {setting} = {url!r} uses plain http to a host that is not loopback"
        raise ConfigurationError(msg, hint=f"use https:// in {variable}; http is allowed only for 127.0.0.1, ::1 and localhost")


def _is_sandbox_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com")


def _check_client_credentials(settings: ConnectionSettings) -> None:
    host = (urlsplit(settings.token_host_url).hostname or "").lower()
    if host in GENERIC_LOGIN_HOSTS:
        setting = "login_url" if settings.login_url else "instance_url"
        msg = f"setting {setting} = {settings.token_host_url!r}: the client-credentials flow is refused on {host}"
        raise ConfigurationError(msg, hint=f"set {ENV_VARIABLES[setting]} to the org's My Domain, such as https://acme.my.salesforce.com")


def _check_jwt(settings: ConnectionSettings) -> None:
    host_url = settings.token_host_url
    audience = (settings.audience or "").rstrip("/")
    if audience not in (PRODUCTION_AUDIENCE, SANDBOX_AUDIENCE) or _is_loopback_url(host_url):
        return  # unset (taken from the host), an Experience Cloud site URL, or a local org
    expected = SANDBOX_AUDIENCE if _is_sandbox_host(host_url) else PRODUCTION_AUDIENCE
    if audience != expected:
        msg = f"setting audience = {settings.audience!r} does not match the login host {host_url!r}"
        raise ConfigurationError(msg, hint=f"set SFSEG_AUDIENCE to {expected} (sandboxes use {SANDBOX_AUDIENCE}, production {PRODUCTION_AUDIENCE})")


def _check_nothing_more(settings: ConnectionSettings) -> None:
    """Accept the settings: this flow needs only the ones `_FLOW_NEEDS` lists."""


def _is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


_FLOW_CHECKS = {
    "client_credentials": _check_client_credentials,
    "jwt": _check_jwt,
    "refresh_token": _check_nothing_more,
    "web": _check_nothing_more,
    "access_token": _check_nothing_more,
}

_CLIENT_ID = ("client_id", "the Connected App's consumer key")

#: Settings each flow needs, in the order they are reported.
_FLOW_NEEDS: dict[Flow, tuple[tuple[str, str], ...]] = {
    "client_credentials": (
        _CLIENT_ID,
        ("client_secret", "the Connected App's consumer secret"),
    ),
    "jwt": (
        _CLIENT_ID,
        ("username", "the Salesforce username the token is issued for"),
        ("private_key_file", "the path of the PEM private key whose certificate the app holds"),
    ),
    "refresh_token": (
        _CLIENT_ID,
        ("refresh_token", "a refresh token (run `sfseg login` to store one in the keyring)"),
    ),
    "web": (_CLIENT_ID,),
    "access_token": (
        ("access_token", "a session id, such as the one `sf org display` prints"),
        ("instance_url", "the org's instance URL, such as https://acme.my.salesforce.com"),
    ),
}
