"""Shared CLI helpers: exact JSON, plurals, uncut id columns, and where log records go."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from decimal import Decimal

import pytest
import typer
from rich.console import Console
from rich.table import Table

from sfseg.cli.common import add_key_column, configure_logging, plural, print_json


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


def test_plural_matches_count():
    assert plural(1, "row") == "1 row"
    assert plural(2, "API call") == "2 API calls"
    assert plural(0, "entry", "entries") == "0 entries"
    assert plural(1200, "row") == "1,200 rows"


def test_key_column_keeps_ids_whole():
    table = Table()
    add_key_column(table, "Id")
    for header in ("Kind", "Mode", "State", "Created", "Failed", "Created at", "Route", "Segment"):
        table.add_column(header)
    table.add_row("0038s00000000001AA", *["long value of a column"] * 8)
    narrow = Console(width=80, file=io.StringIO())

    narrow.print(table)

    assert "0038s00000000001AA" in narrow.file.getvalue()


def test_retry_warnings_hidden_by_default(capsys, monkeypatch):
    monkeypatch.delenv("SFSEG_LOG_LEVEL", raising=False)
    configure_logging(verbose=False)

    logging.getLogger("sfseg.salesforce").warning("salesforce.retry_scheduled retry_num=1")

    assert "retry_scheduled" not in capsys.readouterr().err


def test_verbose_sends_records_to_stderr(capsys, monkeypatch):
    monkeypatch.delenv("SFSEG_LOG_LEVEL", raising=False)
    configure_logging(verbose=True)
    try:
        logging.getLogger("sfseg.salesforce").warning("salesforce.retry_scheduled retry_num=1")
    finally:
        configure_logging(verbose=False)

    assert "salesforce.retry_scheduled retry_num=1" in capsys.readouterr().err


def test_log_level_variable_wins(capsys, monkeypatch):
    monkeypatch.setenv("SFSEG_LOG_LEVEL", "error")
    configure_logging(verbose=True)
    try:
        logging.getLogger("sfseg.salesforce").warning("a warning")
        logging.getLogger("sfseg.salesforce").error("an error")
    finally:
        monkeypatch.delenv("SFSEG_LOG_LEVEL")
        configure_logging(verbose=False)

    err = capsys.readouterr().err
    assert "an error" in err
    assert "a warning" not in err


def test_bad_log_level_fails(monkeypatch):
    monkeypatch.setenv("SFSEG_LOG_LEVEL", "LOUD")

    with pytest.raises(typer.Exit):
        configure_logging()
