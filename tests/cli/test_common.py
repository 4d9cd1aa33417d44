"""The CLI's JSON output keeps values parseable and exact."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sfseg.cli.common import print_json


def test_json_dates_are_iso_8601(capsys):
    print_json({"at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "on": dt.date(2026, 1, 2)})

    printed = json.loads(capsys.readouterr().out)

    assert printed["at"] == "2026-01-02T03:04:05+00:00"
    assert printed["on"] == "2026-01-02"


def test_json_decimal_stays_exact(capsys):
    print_json({"amount": Decimal("0.10") + Decimal("0.20")})

    printed = json.loads(capsys.readouterr().out)

    assert printed["amount"] == "0.30"


def test_json_long_text_not_wrapped(capsys):
    soql = "SELECT Id FROM Contact WHERE " + " AND ".join(f"Field{i}__c = 'v{i}'" for i in range(30))

    print_json({"soql": soql})

    assert json.loads(capsys.readouterr().out) == {"soql": soql}
