"""Campaign members added straight through a running sandbox's own DML, so that setting
up a benchmark is not measured."""

from __future__ import annotations

from typing import Any


def add_contact_members(info: Any, campaign_id: str, size: int) -> None:
    """Make the first `size` contacts (by Id) members of the Campaign `campaign_id`."""
    org = info.state.org
    with org.store.lock:
        contact_ids = [
            row[0]
            for row in org.store.connection.execute(
                'SELECT "Id" FROM "Contact" WHERE "IsDeleted" = 0 ORDER BY "Id" LIMIT ?', (size,)
            )
        ]
    with org.transaction():
        for contact_id in contact_ids:
            org.create("CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id})
