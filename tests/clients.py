"""A `SalesforceClient` signed in to a test sandbox with its Connected App."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfseg.salesforce import SalesforceClient


def salesforce_client(info: Any, **options: Any) -> SalesforceClient:
    """Return a client for the sandbox `info`, signed in with client credentials.

    `options` go to `SalesforceClient`, such as a `retry_policy`.
    """
    from sfseg.salesforce import ConnectionSettings, SalesforceClient

    settings = ConnectionSettings(
        instance_url=info.url,
        login_url=info.url,
        api_version=info.api_version,
        flow="client_credentials",
        client_id=info.client_id,
        client_secret=info.client_secret,
        ca_file=info.ca_file,
    )
    return SalesforceClient(settings, **options)
