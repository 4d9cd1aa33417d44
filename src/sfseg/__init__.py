"""sfseg: customer segments in Salesforce, as Campaigns and CampaignMembers."""

from __future__ import annotations

__version__ = "0.1.0"
