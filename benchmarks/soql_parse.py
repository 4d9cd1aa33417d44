"""Time SOQL parsing and rendering.

Run: python benchmarks/soql_parse.py [--repeat N]

Prints the one-off grammar build time, then the median time per parse and per
render of a typical segment query (about 300 characters) and of a larger
statement with a subquery, a semi-join and grouping.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from sfseg.soql import parse, render
from sfseg.soql.parser import _parser

TYPICAL = (
    "SELECT Id, FirstName, LastName, Email, Account.Name, Account.Industry FROM Contact "
    "WHERE Email != null AND LeadSource IN ('Web','Phone Inquiry','Partner Referral') "
    "AND CreatedDate = LAST_N_DAYS:90 AND (MailingCountry = 'US' OR MailingCountry = 'CA') "
    "AND Account.AnnualRevenue > 1000000 ORDER BY LastName NULLS LAST LIMIT 200"
)

LARGE = (
    "SELECT Id, Name, (SELECT Id, Email FROM Contacts WHERE Email LIKE '%@example.org' "
    "ORDER BY LastName LIMIT 50), TYPEOF Owner WHEN User THEN Username ELSE Name END "
    "FROM Account WHERE Industry IN ('Banking','Retail','Energy') AND Id IN "
    "(SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won' AND "
    "CloseDate = LAST_N_FISCAL_QUARTERS:4) AND Id NOT IN (SELECT AccountId FROM Case "
    "WHERE IsClosed = false) AND (BillingCountry = 'US' OR (BillingCountry = 'CA' AND "
    "AnnualRevenue > 5000000.50)) AND CreatedDate > 2021-08-11T12:52:08Z "
    "WITH SECURITY_ENFORCED ORDER BY Name DESC NULLS LAST LIMIT 1000 OFFSET 100"
)


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--repeat", type=int, default=2000)
    repeat = options.parse_args().repeat

    start = time.perf_counter()
    _parser()
    print(f"grammar build (once per process): {(time.perf_counter() - start) * 1000:.0f} ms")

    for label, statement in (("typical", TYPICAL), ("large", LARGE)):
        tree = parse(statement)
        parse_ms = _median_ms(lambda statement=statement: parse(statement), repeat)
        render_ms = _median_ms(lambda tree=tree: render(tree), repeat)
        print(
            f"{label} ({len(statement)} chars): parse {parse_ms:.3f} ms, "
            f"render {render_ms:.3f} ms (median of {repeat})"
        )


if __name__ == "__main__":
    main()
