"""The sample org's contacts read straight from the bundled seed files, for expected values.

Nothing here goes through the sandbox or sfseg: the files are parsed with json and
sqlite3, as their SOURCE.md files describe.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sfseg.sandbox.seeds

DATA = Path(sfseg.sandbox.seeds.__file__).parent / "data"


@dataclass(frozen=True)
class SeedContact:
    country: str | None
    state: str | None
    lead_source: str | None
    title: str | None


def _blank(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def seed_contacts() -> list[SeedContact]:
    """Every Contact of the three sample datasets."""
    contacts: list[SeedContact] = []
    coral = json.loads(
        (DATA / "coral-cloud" / "data-Contact-large.json").read_text(encoding="utf-8")
    )
    for record in coral["records"]:
        contacts.append(
            SeedContact(
                _blank(record.get("MailingCountry")),
                _blank(record.get("MailingState")),
                _blank(record.get("LeadSource")),
                _blank(record.get("Title")),
            )
        )
    apex = json.loads((DATA / "apex-recipes" / "Contacts.json").read_text(encoding="utf-8"))
    for record in apex["records"]:
        lowered = {key.lower(): value for key, value in record.items()}
        contacts.append(SeedContact(None, None, None, _blank(lowered.get("title"))))
    database = sqlite3.connect(":memory:")
    database.executescript((DATA / "npsp-trailhead" / "test_data.sql").read_text(encoding="utf-8"))
    for country, state in database.execute(
        'SELECT "MailingCountry", "MailingState" FROM "Contact"'
    ):
        contacts.append(SeedContact(_blank(country), _blank(state), None, None))
    return contacts


def count_by(contacts: list[SeedContact], attribute: str) -> Counter[str | None]:
    return Counter(getattr(contact, attribute) for contact in contacts)
