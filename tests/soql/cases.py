"""Statement tables shared by the SOQL parser tests.

VALID rows are (statement, canonical rendering); a canonical of None means the
statement is already canonical. INVALID rows are (statement, message part, line,
column); line and column are None for errors about the whole statement.
"""

from __future__ import annotations

from sfseg.soql.vocabulary import RELATIVE_DATES, RELATIVE_DATES_WITH_N

Valid = tuple[str, str | None]
Invalid = tuple[str, str, int | None, int | None]

_FIELDS: list[Valid] = [
    ("SELECT Id FROM Contact", None),
    ("SELECT Id, Name FROM Account", None),
    ("select id from contact", "SELECT id FROM contact"),
    ("SeLeCt Id FrOm Lead", "SELECT Id FROM Lead"),
    ("SELECT   Id ,Name\n FROM\tAccount", "SELECT Id, Name FROM Account"),
    ("SELECT Id, Type, Name FROM Account", None),
    ("SELECT Id, Name FROM Group", None),
    ("SELECT Id, Status, Type FROM CampaignMember", None),
    ("SELECT Id, sfseg_Segment_Key__c FROM Campaign", None),
    ("SELECT Id, ns__Field__c, ns__Object__r.Name FROM ns__Thing__c", None),
    ("SELECT Id, Order, Group, Offset FROM Custom__c", None),
    ("SELECT Id, Data, Category, Scope, Tracking FROM Custom__c", None),
    ("SELECT Id FROM Order", None),
    ("SELECT Id FROM Order ORDER BY OrderNumber", None),
    ("SELECT Id FROM Group ORDER BY Name", None),
    ("SELECT Id, Group.Name FROM GroupMember WHERE Group.Type = 'Queue'", None),
    ("SELECT Id, Order.Status FROM OrderItem", None),
    ("SELECT Name, Type FROM Account WHERE Type = 'Customer' ORDER BY Type", None),
    (
        "SELECT Id, Format, Rollup, Cube, View, Update, Set, Options, When, Then, Else, End FROM X__c",
        None,
    ),
    ("SELECT Id FROM Case", None),
    ("SELECT Id FROM Task WHERE Type = 'Call'", None),
    ("SELECT Id, Name FROM RecordType WHERE SobjectType = 'Contact'", None),
    ("SELECT FIELDS(ALL) FROM Contact LIMIT 200", None),
    ("SELECT FIELDS(STANDARD) FROM Account", None),
    ("SELECT Id, FIELDS(CUSTOM) FROM Account LIMIT 10", None),
]

_RELATIONSHIPS: list[Valid] = [
    ("SELECT Id, Account.Name FROM Contact", None),
    ("SELECT Id, Account.Owner.Name FROM Contact", None),
    ("SELECT Id, Account.Parent.Parent.Owner.Manager.Name FROM Contact", None),
    ("SELECT Id, Custom__r.Other__r.Name FROM Thing__c", None),
    ("SELECT Id FROM Contact WHERE Account.Industry = 'Banking'", None),
    ("SELECT Id FROM Task WHERE Who.Type = 'Contact'", None),
    ("SELECT Contact.Email, Lead.Email FROM CampaignMember", None),
    ("SELECT Id FROM Contact ORDER BY Account.Name", None),
    ("SELECT Id FROM Contact c WHERE c.LastName = 'Smith'", None),
    ("SELECT COUNT() FROM Contact c, c.Account a WHERE a.Name = 'MyriadPubs'", None),
]

_CHILD_SUBQUERIES: list[Valid] = [
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", None),
    ("SELECT Name, (SELECT LastName, Email FROM Contacts WHERE Email != null) FROM Account", None),
    (
        "SELECT Id, (SELECT Id FROM Contacts ORDER BY LastName LIMIT 5), "
        "(SELECT Id FROM Opportunities) FROM Account",
        None,
    ),
    ("SELECT Id, (SELECT Id, Status FROM CampaignMembers) FROM Campaign", None),
    ("SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account", None),
    ("SELECT Id, (SELECT Id FROM Notes__r) FROM Thing__c", None),
    ("SELECT Account.Name, (SELECT Contact.LastName FROM Account.Contacts) FROM Account", None),
    ("SELECT Id, (SELECT Contact.Name FROM OpportunityContactRoles) FROM Opportunity", None),
    (
        "SELECT Id, ( select id from Contacts ) FROM Account",
        "SELECT Id, (SELECT id FROM Contacts) FROM Account",
    ),
]

_TYPEOF: list[Valid] = [
    ("SELECT TYPEOF What WHEN Account THEN Phone END FROM Event", None),
    (
        "SELECT TYPEOF What WHEN Account THEN Phone, NumberOfEmployees ELSE Name END FROM Event",
        None,
    ),
    (
        "SELECT Id, TYPEOF Who WHEN Contact THEN Email, Account.Name WHEN Lead THEN Email, Company "
        "ELSE Name END FROM Task",
        None,
    ),
    (
        "select typeof Owner when User then Username else Name end from Lead",
        "SELECT TYPEOF Owner WHEN User THEN Username ELSE Name END FROM Lead",
    ),
    ("SELECT Id, TYPEOF What WHEN Opportunity THEN Amount END, Subject FROM Task", None),
]

_AGGREGATES: list[Valid] = [
    ("SELECT COUNT() FROM Contact", None),
    ("SELECT count() FROM Contact", None),
    ("SELECT COUNT(Id) FROM Contact", None),
    ("SELECT COUNT_DISTINCT(Email) FROM Contact", None),
    ("SELECT SUM(Amount), AVG(Amount), MIN(Amount), MAX(Amount) FROM Opportunity", None),
    ("SELECT SUM(Amount) total FROM Opportunity", None),
    ("SELECT StageName s, SUM(Amount) total FROM Opportunity GROUP BY StageName", None),
    ("SELECT COUNT(Id) c, Account.Name FROM Contact GROUP BY Account.Name", None),
    ("SELECT MAX(CreatedDate) latest FROM Contact", None),
    ("SELECT COUNT(Id), LeadSource FROM Contact GROUP BY LeadSource HAVING COUNT(Id) > 1", None),
    ("SELECT FORMAT(MIN(Amount)) FROM Opportunity", None),
    ("SELECT Name, FORMAT(Amount) Amt FROM Opportunity", None),
    ("SELECT convertCurrency(Amount) FROM Opportunity", None),
    ("SELECT Id, convertCurrency(Amount) a FROM Opportunity", None),
    ("SELECT Company, toLabel(Status) FROM Lead", None),
    ("SELECT toLabel(Status) label FROM Lead", None),
    ("SELECT Status, COUNT(Id), GROUPING(Status) grp FROM Lead GROUP BY ROLLUP(Status)", None),
    ("SELECT SUM(Amount) FROM Opportunity WHERE IsWon = true", None),
]

_DATE_FUNCTIONS: list[Valid] = [
    (f"SELECT {name}(CreatedDate), COUNT(Id) FROM Opportunity GROUP BY {name}(CreatedDate)", None)
    for name in (
        "CALENDAR_MONTH",
        "CALENDAR_QUARTER",
        "CALENDAR_YEAR",
        "DAY_IN_MONTH",
        "DAY_IN_WEEK",
        "DAY_IN_YEAR",
        "DAY_ONLY",
        "FISCAL_MONTH",
        "FISCAL_QUARTER",
        "FISCAL_YEAR",
        "HOUR_IN_DAY",
        "WEEK_IN_MONTH",
        "WEEK_IN_YEAR",
    )
] + [
    (
        "SELECT HOUR_IN_DAY(convertTimezone(CreatedDate)), SUM(Amount) FROM Opportunity "
        "GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate))",
        None,
    ),
    ("SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = 2024", None),
    ("SELECT Id FROM Contact WHERE DAY_ONLY(CreatedDate) = 2024-01-31", None),
    ("SELECT calendar_year(CloseDate) y FROM Opportunity GROUP BY calendar_year(CloseDate)", None),
]

_OPERATORS: list[Valid] = [
    ("SELECT Id FROM Contact WHERE LastName = 'Smith'", None),
    ("SELECT Id FROM Contact WHERE LastName != 'Smith'", None),
    ("SELECT Id FROM Opportunity WHERE Amount < 100", None),
    ("SELECT Id FROM Opportunity WHERE Amount <= 100", None),
    ("SELECT Id FROM Opportunity WHERE Amount > 100", None),
    ("SELECT Id FROM Opportunity WHERE Amount >= 100", None),
    (
        "SELECT Id FROM Opportunity WHERE Amount>=100",
        "SELECT Id FROM Opportunity WHERE Amount >= 100",
    ),
    ("SELECT Id FROM Contact WHERE LastName LIKE 'Sm%'", None),
    (
        "SELECT Id FROM Contact WHERE LastName like 'S_ith'",
        "SELECT Id FROM Contact WHERE LastName LIKE 'S_ith'",
    ),
    ("SELECT Id FROM Lead WHERE Status IN ('Open','Working')", None),
    (
        "SELECT Id FROM Lead WHERE Status IN ( 'Open' , 'Working' )",
        "SELECT Id FROM Lead WHERE Status IN ('Open','Working')",
    ),
    ("SELECT Id FROM Lead WHERE Status NOT IN ('Closed')", None),
    (
        "SELECT Id FROM Lead WHERE Status not in ('Closed')",
        "SELECT Id FROM Lead WHERE Status NOT IN ('Closed')",
    ),
    ("SELECT Id FROM Contact WHERE Interests__c INCLUDES ('golf','tennis;squash')", None),
    ("SELECT Id FROM Contact WHERE Interests__c EXCLUDES ('golf')", None),
    ("SELECT Id FROM Opportunity WHERE Amount IN (100,200.5)", None),
    ("SELECT Id FROM Contact WHERE Birthdate IN (2000-01-01,2001-02-03)", None),
    ("SELECT Id FROM Contact WHERE Email = null", None),
    ("SELECT Id FROM Contact WHERE Email != NULL", "SELECT Id FROM Contact WHERE Email != null"),
    ("SELECT Id FROM Contact WHERE HasOptedOutOfEmail = false", None),
    (
        "SELECT Id FROM Contact WHERE HasOptedOutOfEmail = TRUE",
        "SELECT Id FROM Contact WHERE HasOptedOutOfEmail = true",
    ),
    ("SELECT Id FROM Contact WHERE Id IN ('003000000000001','003000000000001AAA')", None),
]

_STRINGS: list[Valid] = [
    ("SELECT Id FROM Lead WHERE LastName = 'O\\'Brien'", None),
    ("SELECT Id FROM Lead WHERE LastName = 'Anne-Marie'", None),
    ("SELECT Id FROM Lead WHERE Email = 'jane.doe+promo@example.org'", None),
    ("SELECT Id FROM Account WHERE Name = 'Smith & Sons'", None),
    ("SELECT Id FROM Account WHERE Name = 'back\\\\slash'", None),
    ("SELECT Id FROM Account WHERE Name = 'a\\nb\\rc\\td\\be\\ff'", None),
    (
        "SELECT Id FROM Account WHERE Name = 'a\\Nb\\Rc\\Td\\Be\\Ff'",
        "SELECT Id FROM Account WHERE Name = 'a\\nb\\rc\\td\\be\\ff'",
    ),
    ("SELECT Id FROM Account WHERE Name = 'say \\\"hi\\\"'", None),
    (
        "SELECT Id FROM Account WHERE Name = '\\u00e9t\\u00E9'",
        "SELECT Id FROM Account WHERE Name = 'été'",
    ),
    (
        "SELECT Id FROM Account WHERE Name = '\\ud83d\\ude00'",
        "SELECT Id FROM Account WHERE Name = '😀'",
    ),
    ("SELECT Id FROM Account WHERE Name = 'Zürich ✓ 東京'", None),
    ("SELECT Id FROM Account WHERE Name = ''", None),
    ("SELECT Id FROM Account WHERE Name = '  spaced  '", None),
    ("SELECT Id FROM Account WHERE Name = 'SELECT Id FROM Account'", None),
    ("SELECT Id FROM Account WHERE Name LIKE '100\\%'", None),
    ("SELECT Id FROM Account WHERE Name LIKE 'a\\_b%'", None),
    ("SELECT Id FROM Account WHERE Name LIKE '%\\\\%'", None),
    ("SELECT Id FROM Account WHERE Name LIKE '%O\\'Brien%'", None),
    (
        "SELECT Id FROM Account WHERE Name = 'tab\there'",
        "SELECT Id FROM Account WHERE Name = 'tab\\there'",
    ),
]

_NUMBERS: list[Valid] = [
    ("SELECT Id FROM Opportunity WHERE Amount = 0", None),
    ("SELECT Id FROM Opportunity WHERE Amount = -5", None),
    ("SELECT Id FROM Opportunity WHERE Amount = +5", "SELECT Id FROM Opportunity WHERE Amount = 5"),
    ("SELECT Id FROM Opportunity WHERE Amount = 0.1", None),
    ("SELECT Id FROM Opportunity WHERE Amount = 12345678901234567890.123456789", None),
    ("SELECT Id FROM Opportunity WHERE Amount > -0.75", None),
    (
        "SELECT Id FROM Opportunity WHERE Amount = .5",
        "SELECT Id FROM Opportunity WHERE Amount = 0.5",
    ),
    ("SELECT Id FROM Opportunity WHERE Amount > USD5000", None),
    (
        "SELECT Id FROM Opportunity WHERE Amount < eur1500.25",
        "SELECT Id FROM Opportunity WHERE Amount < EUR1500.25",
    ),
    ("SELECT Id FROM Account WHERE NumberOfEmployees >= 1000", None),
]

_DATES: list[Valid] = [
    ("SELECT Id FROM Opportunity WHERE CloseDate = 2024-01-31", None),
    ("SELECT Id FROM Opportunity WHERE CloseDate > 2024-02-29", None),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2024-01-31T23:01:01Z", None),
    (
        "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-31T23:01:01z",
        "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-31T23:01:01Z",
    ),
    (
        "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-31T23:01:01+01:00",
        "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-31T22:01:01Z",
    ),
    (
        "SELECT Id FROM Contact WHERE CreatedDate < 2024-01-31T20:00:00-05:30",
        "SELECT Id FROM Contact WHERE CreatedDate < 2024-02-01T01:30:00Z",
    ),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2021-08-11T12:52:08.062Z", None),
    (
        "SELECT Id FROM Contact WHERE CreatedDate > 2021-08-11T14:52:08.062712+02:00",
        "SELECT Id FROM Contact WHERE CreatedDate > 2021-08-11T12:52:08.062712Z",
    ),
    (
        "SELECT Id FROM Contact WHERE SystemModstamp >= 2021-08-11T12:52:08.000Z",
        "SELECT Id FROM Contact WHERE SystemModstamp >= 2021-08-11T12:52:08Z",
    ),
]

_RELATIVE_DATES: list[Valid] = (
    [
        (f"SELECT Id FROM Opportunity WHERE CloseDate = {name}", None)
        for name in sorted(RELATIVE_DATES)
    ]
    + [
        (f"SELECT Id FROM Opportunity WHERE CloseDate = {name}:7", None)
        for name in sorted(RELATIVE_DATES_WITH_N)
    ]
    + [
        (
            "SELECT Id FROM Contact WHERE CreatedDate = last_n_days:30",
            "SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:30",
        ),
        (
            "SELECT Id FROM Contact WHERE CreatedDate > Today",
            "SELECT Id FROM Contact WHERE CreatedDate > TODAY",
        ),
        ("SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:0", None),
    ]
)

_LOGIC: list[Valid] = [
    ("SELECT Id FROM Contact WHERE A__c = 1 AND B__c = 2", None),
    ("SELECT Id FROM Contact WHERE A__c = 1 OR B__c = 2", None),
    ("SELECT Id FROM Contact WHERE A__c = 1 AND B__c = 2 AND C__c = 3", None),
    ("SELECT Id FROM Contact WHERE A__c = 1 AND (B__c = 2 OR C__c = 3)", None),
    ("SELECT Id FROM Contact WHERE (A__c = 1 AND B__c = 2) OR C__c = 3", None),
    ("SELECT Id FROM Contact WHERE (A__c = 1 OR B__c = 2) AND (C__c = 3 OR D__c = 4)", None),
    ("SELECT Id FROM Contact WHERE NOT A__c = 1", None),
    ("SELECT Id FROM Contact WHERE NOT (A__c = 1 OR B__c = 2)", None),
    ("SELECT Id FROM Contact WHERE A__c = 1 AND NOT B__c = 2", None),
    ("SELECT Id FROM Contact WHERE (A__c = 1)", "SELECT Id FROM Contact WHERE A__c = 1"),
    (
        "SELECT Id FROM Contact WHERE ((A__c = 1 AND B__c = 2))",
        "SELECT Id FROM Contact WHERE A__c = 1 AND B__c = 2",
    ),
    ("SELECT Id FROM Contact WHERE (A__c = 1 AND B__c = 2) AND C__c = 3", None),
    ("SELECT Id FROM Contact WHERE NOT (NOT A__c = 1)", None),
    (
        "SELECT Id FROM Contact WHERE a__c = 1 and b__c = 2",
        "SELECT Id FROM Contact WHERE a__c = 1 AND b__c = 2",
    ),
]

_SEMI_JOINS: list[Valid] = [
    (
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won')",
        None,
    ),
    ("SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)", None),
    (
        "SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM CampaignMember WHERE CampaignId = '701000000000001')",
        None,
    ),
    (
        "SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM CampaignMember) "
        "AND Id NOT IN (SELECT WhoId FROM Task)",
        None,
    ),
    ("SELECT Id FROM Account WHERE Name = 'x' AND Id IN (SELECT AccountId FROM Contact)", None),
    (
        "SELECT Id FROM Opportunity WHERE AccountId IN (SELECT Id FROM Account WHERE Industry = 'Banking')",
        None,
    ),
    (
        "SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM OpportunityContactRole GROUP BY ContactId)",
        None,
    ),
    (
        "SELECT Id, (SELECT Id FROM Contacts WHERE Id IN (SELECT WhoId FROM Task)) FROM Account",
        None,
    ),
]

_GROUPING: list[Valid] = [
    ("SELECT LeadSource, COUNT(Id) FROM Lead GROUP BY LeadSource", None),
    ("SELECT LeadSource, Rating, COUNT(Id) FROM Lead GROUP BY LeadSource, Rating", None),
    ("SELECT LeadSource, COUNT(Id) FROM Lead GROUP BY ROLLUP(LeadSource)", None),
    ("SELECT LeadSource, Rating, COUNT(Id) FROM Lead GROUP BY CUBE(LeadSource, Rating)", None),
    (
        "SELECT LeadSource, COUNT(Id) FROM Lead GROUP BY rollup(LeadSource)",
        "SELECT LeadSource, COUNT(Id) FROM Lead GROUP BY ROLLUP(LeadSource)",
    ),
    ("SELECT Name, COUNT(Id) FROM Account GROUP BY Name HAVING COUNT(Id) > 1", None),
    (
        "SELECT Name, SUM(Amount) FROM Opportunity GROUP BY Name HAVING SUM(Amount) > 100 AND COUNT(Id) < 5",
        None,
    ),
    ("SELECT LeadSource FROM Lead GROUP BY LeadSource HAVING LeadSource LIKE 'W%'", None),
    (
        "SELECT CampaignId, Status, COUNT(Id) n FROM CampaignMember GROUP BY CampaignId, Status ORDER BY CampaignId",
        None,
    ),
]

_ORDERING: list[Valid] = [
    ("SELECT Id FROM Contact ORDER BY LastName", None),
    ("SELECT Id FROM Contact ORDER BY LastName ASC", "SELECT Id FROM Contact ORDER BY LastName"),
    ("SELECT Id FROM Contact ORDER BY LastName DESC", None),
    ("SELECT Id FROM Contact ORDER BY LastName NULLS FIRST", None),
    ("SELECT Id FROM Contact ORDER BY LastName DESC NULLS LAST", None),
    (
        "SELECT Id FROM Contact ORDER BY LastName asc nulls last, FirstName desc",
        "SELECT Id FROM Contact ORDER BY LastName NULLS LAST, FirstName DESC",
    ),
    ("SELECT Name, COUNT(Id) FROM Account GROUP BY Name ORDER BY COUNT(Id) DESC", None),
    ("SELECT Id FROM Contact ORDER BY Account.Name, CreatedDate DESC LIMIT 10", None),
]

_TAIL: list[Valid] = [
    ("SELECT Id FROM Contact LIMIT 10", None),
    ("SELECT Id FROM Contact LIMIT 0", None),
    ("SELECT Id FROM Contact LIMIT 10 OFFSET 20", None),
    ("SELECT Id FROM Contact ORDER BY Id LIMIT 100 OFFSET 2500", None),
    ("SELECT Id FROM Contact OFFSET 5", None),
    ("SELECT Id FROM Contact FOR VIEW", None),
    ("SELECT Id FROM Contact FOR REFERENCE", None),
    ("SELECT Id FROM Contact WHERE Id = '003000000000001' FOR UPDATE", None),
    ("SELECT Id FROM Contact LIMIT 1 FOR VIEW UPDATE TRACKING", None),
    ("SELECT Id FROM KnowledgeArticleVersion UPDATE VIEWSTAT", None),
    ("SELECT Id FROM Contact for view for update", "SELECT Id FROM Contact FOR VIEW FOR UPDATE"),
    ("SELECT Id FROM Contact WITH SECURITY_ENFORCED", None),
    (
        "SELECT Id, Name FROM MyDLO__dlm WHERE Status__c = 'Active' SET OPTIONS (dataspace = 'default', honorEmptyStrings = true)",
        None,
    ),
    (
        "SELECT Id FROM Account set options (explicitNamespace=TRUE) for update",
        "SELECT Id FROM Account SET OPTIONS (explicitNamespace = true) FOR UPDATE",
    ),
    (
        "SELECT Id FROM Account FOR VIEW UPDATE TRACKING SET OPTIONS (honorEmptyStrings = false) FOR UPDATE",
        None,
    ),
    ("SELECT Id FROM Contact WHERE Email != null WITH USER_MODE", None),
    ("SELECT Id FROM Contact WITH system_mode", "SELECT Id FROM Contact WITH SYSTEM_MODE"),
    ("SELECT Id FROM Contact USING SCOPE Mine", None),
    ("SELECT Id FROM Account USING SCOPE mine_and_my_groups WHERE Name != null", None),
    ("SELECT Title FROM KnowledgeArticleVersion WITH DATA CATEGORY Geography__c AT usa__c", None),
    (
        "SELECT Title FROM KnowledgeArticleVersion WHERE PublishStatus = 'Online' WITH DATA CATEGORY "
        "Geography__c ABOVE_OR_BELOW europe__c AND Product__c AT (mobile__c,  desktop__c)",
        "SELECT Title FROM KnowledgeArticleVersion WHERE PublishStatus = 'Online' WITH DATA CATEGORY "
        "Geography__c ABOVE_OR_BELOW europe__c AND Product__c AT (mobile__c, desktop__c)",
    ),
    (
        "SELECT Title FROM Question WITH DATA CATEGORY Product__c below All__c",
        "SELECT Title FROM Question WITH DATA CATEGORY Product__c BELOW All__c",
    ),
    (
        "SELECT Id FROM Contact USING SCOPE Team WHERE A__c = 1 WITH SECURITY_ENFORCED ORDER BY Id LIMIT 5 OFFSET 5 FOR VIEW",
        None,
    ),
]

_LOCATION: list[Valid] = [
    (
        "SELECT Id FROM Account WHERE DISTANCE(Location__c, GEOLOCATION(37.775, -122.418), 'mi') < 20",
        None,
    ),
    (
        "SELECT Name, DISTANCE(Location__c, GEOLOCATION(37.775, -122.418), 'km') d FROM Warehouse__c "
        "ORDER BY DISTANCE(Location__c, GEOLOCATION(37.775, -122.418), 'km') LIMIT 10",
        None,
    ),
    ("SELECT Id FROM Contact WHERE DISTANCE(MailingAddress, GEOLOCATION(1, 2), 'km') > 5.5", None),
]

VALID: list[Valid] = (
    _FIELDS
    + _RELATIONSHIPS
    + _CHILD_SUBQUERIES
    + _TYPEOF
    + _AGGREGATES
    + _DATE_FUNCTIONS
    + _OPERATORS
    + _STRINGS
    + _NUMBERS
    + _DATES
    + _RELATIVE_DATES
    + _LOGIC
    + _SEMI_JOINS
    + _GROUPING
    + _ORDERING
    + _TAIL
    + _LOCATION
)

_SEMI = "SELECT AccountId FROM Contact"

INVALID: list[Invalid] = [
    # Statement-wide.
    ("", "SOQL statements cannot be empty or null", None, None),
    ("   \n\t ", "SOQL statements cannot be empty or null", None, None),
    (
        "SELECT Id FROM Contact WHERE Name IN ('" + "x" * 100_000 + "')",
        "can not be longer than 100000",
        None,
        None,
    ),
    # Misplaced or misspelt keywords.
    ("SELECT Name FORM Account", "unexpected token: 'FORM'", 1, 13),
    ("SELECT Id FROM", "unexpected token: '<EOF>'", 1, 15),
    ("SELECT FROM Contact", "unexpected token: 'FROM'", 1, 8),
    ("SELECT Id, FROM Contact", "unexpected token: 'FROM'", 1, 12),
    ("SELECT Id Contact", "unexpected token: '<EOF>'", 1, 18),
    ("Id FROM Contact", "unexpected token: 'Id'", 1, 1),
    ("SELECT Id FROM Contact WHERE", "unexpected token: '<EOF>'", 1, 29),
    ("SELECT Id FROM Contact WHERE Name", "unexpected token: '<EOF>'", 1, 34),
    ("SELECT Id FROM Contact WHERE Name = ", "unexpected token: '<EOF>'", 1, 36),
    ("SELECT Id FROM Contact WHERE Name == 'x'", "unexpected token: '='", 1, 36),
    ("SELECT Id FROM Contact WHERE Name <> 'x'", "unexpected token: '>'", 1, 36),
    ("SELECT Id FROM Contact WHERE Name = Smith", "unexpected token: 'Smith'", 1, 37),
    ("SELECT Id FROM Contact LIMIT", "unexpected token: '<EOF>'", 1, 29),
    ("SELECT Id FROM Contact LIMIT -1", "LIMIT needs a whole number", 1, 30),
    ("SELECT Id FROM Contact LIMIT 1.5", "LIMIT needs a whole number", 1, 30),
    ("SELECT Id FROM Contact OFFSET 2.0", "OFFSET needs a whole number", 1, 31),
    ("SELECT Id FROM Contact LIMIT 5 WHERE Name = 'x'", "unexpected token: 'WHERE'", 1, 32),
    (
        "SELECT Id FROM Contact ORDER BY Name LIMIT 5 ORDER BY Id",
        "unexpected token: 'ORDER'",
        1,
        46,
    ),
    ("SELECT Id FROM Contact ORDER Name", "unexpected token: 'Name'", 1, 30),
    ("SELECT Id FROM Contact GROUP Name", "unexpected token: 'Name'", 1, 30),
    ("SELECT Id FROM Contact HAVING COUNT(Id) > 1", "unexpected token: 'HAVING'", 1, 24),
    ("SELECT Id FROM Contact ORDER BY Name NULLS", "unexpected token: '<EOF>'", 1, 43),
    ("SELECT Id FROM Contact ORDER BY Name NULLS MIDDLE", "unexpected token: 'MIDDLE'", 1, 44),
    ("SELECT Id FROM Contact FOR SHARE", "unexpected token: 'SHARE'", 1, 28),
    ("SELECT Id FROM Contact FOR VIEW FOR REFERENCE", "unexpected token: 'REFERENCE'", 1, 37),
    ("SELECT Id FROM Contact FOR UPDATE FOR UPDATE", "unexpected token: 'UPDATE'", 1, 39),
    ("SELECT Id FROM Contact WITH EVERYTHING", "unexpected token: 'EVERYTHING'", 1, 29),
    ("SELECT Id FROM Contact UPDATE SOMETHING", "unexpected token: 'SOMETHING'", 1, 31),
    ("SELECT Id FROM Contact USING Mine", "unexpected token: 'Mine'", 1, 30),
    ("SELECT Id FROM Contact UPDATE TRACKING UPDATE VIEWSTAT", "unexpected token: 'UPDATE'", 1, 40),
    ("SELECT Id FROM X SET OPTIONS (a = 1) SET OPTIONS (b = 2)", "unexpected token: 'SET'", 1, 38),
    ("SELECT Id FROM X SET OPTIONS (dataspace != 'default')", "unexpected token: '!='", 1, 41),
    ("SELECT Id FROM X SET OPTIONS ()", "unexpected token: ')'", 1, 31),
    ("SELECT Id FROM Contact;", "no viable alternative at character ';'", 1, 23),
    ('SELECT Id FROM Contact WHERE Name = "x"', "no viable alternative at character '\"'", 1, 37),
    ("SELECT * FROM Contact", "no viable alternative at character '*'", 1, 8),
    ("SELECT Id FROM Contact WHERE Name = :name", "no viable alternative at character ':'", 1, 37),
    # AND and OR mixed without parentheses.
    ("SELECT Id FROM Contact WHERE A = 1 AND B = 2 OR C = 3", "unexpected token: 'OR'", 1, 46),
    ("SELECT Id FROM Contact WHERE A = 1 OR B = 2 AND C = 3", "unexpected token: 'AND'", 1, 45),
    ("SELECT Id FROM Contact WHERE (A = 1 AND B = 2", "unexpected token: '<EOF>'", 1, 46),
    ("SELECT Id FROM Contact WHERE A = 1)", "unexpected token: ')'", 1, 35),
    ("SELECT Id FROM Contact WHERE Name NOT LIKE 'x'", "unexpected token: 'LIKE'", 1, 39),
    ("SELECT Id FROM Contact WHERE Id IN ()", "unexpected token: ')'", 1, 37),
    (
        "SELECT Id FROM Contact WHERE Name = 'x' ANDD Email = null",
        "unexpected token: 'ANDD'",
        1,
        41,
    ),
    ("SELECT Id FROM Contact WHERE Name = 'x' ANDName = 'y'", "unexpected token: 'ANDName'", 1, 41),
    ("SELECT Id FROM Contact ORDER BY Name DESCX", "unexpected token: 'DESCX'", 1, 38),
    ("SELECT Id FROM Contact WHERE CreatedDate = TODAYX", "unexpected token: 'TODAYX'", 1, 44),
    ("SELECT Id FROM Contact WHERE IsDeleted = falsey", "unexpected token: 'falsey'", 1, 42),
    ("SELECT Id FROM Contact WHERE Name = 'x' LIMIT5", "unexpected token: 'LIMIT5'", 1, 41),
    (
        "SELECT Id FROM KnowledgeArticleVersion WITH DATA CATEGORY g__c ATX a__c",
        "unexpected token: 'ATX'",
        1,
        64,
    ),
    # Strings and escapes.
    (
        "SELECT Id FROM Contact WHERE Name = 'abc",
        "mismatched character '<EOF>' expecting '''",
        1,
        37,
    ),
    ("SELECT Id FROM Contact WHERE Name = 'a\\qb'", "invalid escape sequence '\\q'", 1, 39),
    ("SELECT Id FROM Contact WHERE Name = 'a\\%b'", "allowed only in a LIKE pattern", 1, 39),
    ("SELECT Id FROM Contact WHERE Name = 'a\\_b'", "allowed only in a LIKE pattern", 1, 39),
    (
        "SELECT Id FROM Contact WHERE Name IN ('ok', 'a\\%')",
        "allowed only in a LIKE pattern",
        1,
        47,
    ),
    ("SELECT Id FROM Contact WHERE Name = 'x\\u12'", "needs four hex digits", 1, 39),
    ("SELECT Id FROM Contact WHERE Name = 'x\\uZZZZ'", "needs four hex digits", 1, 39),
    ("SELECT Id FROM Contact WHERE Name = '\\ud83d'", "unpaired UTF-16 surrogate", 1, 38),
    (
        "SELECT Id FROM Contact\nWHERE Name = 'line1\nline\\x'",
        "invalid escape sequence '\\x'",
        3,
        5,
    ),
    ("SELECT Id FROM Contact WHERE Name LIKE 5", "LIKE needs a quoted pattern", 1, 40),
    # Dates and numbers.
    ("SELECT Id FROM Contact WHERE Birthdate = 2023-02-29", "invalid date: '2023-02-29'", 1, 42),
    ("SELECT Id FROM Contact WHERE Birthdate = 2023-13-01", "invalid date", 1, 42),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2023-01-01T25:00:00Z", "invalid datetime", 1, 44),
    (
        "SELECT Id FROM Contact WHERE CreatedDate > 2023-01-01T10:00:00+25:00",
        "invalid datetime",
        1,
        44,
    ),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2023-01-01T10:00:00", "needs a time zone", 1, 44),
    ("SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS", "LAST_N_DAYS needs a count", 1, 44),
    (
        "SELECT Id FROM Contact WHERE CreatedDate = N_FISCAL_YEARS_AGO",
        "N_FISCAL_YEARS_AGO needs a count",
        1,
        44,
    ),
    ("SELECT Id FROM Contact WHERE CreatedDate = TODAY:3", "unexpected token: 'TODAY'", 1, 44),
    (
        "SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:-3",
        "LAST_N_DAYS needs a count",
        1,
        44,
    ),
    (
        "SELECT Id FROM Contact WHERE CreatedDate = LAST_FORTNIGHT",
        "unexpected token: 'LAST_FORTNIGHT'",
        1,
        44,
    ),
    (
        "SELECT Id FROM Opportunity WHERE Amount = 1e5",
        "no viable alternative at character '1'",
        1,
        43,
    ),
    (
        "SELECT Id FROM Opportunity WHERE Amount = 1.2.3",
        "no viable alternative at character '1'",
        1,
        43,
    ),
    # Functions and aliases.
    ("SELECT FOO(Id) FROM Contact", "unknown function: 'FOO'", 1, 8),
    ("SELECT SUM() FROM Opportunity", "function SUM() takes 1 argument(s), got 0", 1, 8),
    (
        "SELECT COUNT(Id, Name) FROM Contact",
        "function COUNT() takes 0 or 1 argument(s), got 2",
        1,
        8,
    ),
    (
        "SELECT Id FROM Account WHERE DISTANCE(Loc__c, 'mi') < 5",
        "function DISTANCE() takes 3",
        1,
        30,
    ),
    ("SELECT FIELDS(SOME) FROM Contact", "FIELDS() takes ALL, STANDARD or CUSTOM", 1, 8),
    ("SELECT Name n FROM Account", "only aggregate expressions use field aliasing", 1, 13),
    (
        "SELECT Id, Account.Name acct FROM Contact",
        "only aggregate expressions use field aliasing",
        1,
        25,
    ),
    ("SELECT COUNT() c d FROM Contact", "unexpected token: 'd'", 1, 18),
    ("SELECT COUNT() using FROM Contact", "unexpected token: 'using'", 1, 16),
    ("SELECT COUNT() Group FROM Contact", "unexpected token: 'Group'", 1, 16),
    ("SELECT Id FROM Contact Nulls", "unexpected token: 'Nulls'", 1, 24),
    ("SELECT TYPEOF What WHEN Account THEN Name FROM Event", "unexpected token: 'FROM'", 1, 43),
    ("SELECT TYPEOF What ELSE Name END FROM Event", "unexpected token: 'ELSE'", 1, 20),
    # Semi-join and anti-join rules.
    (
        f"SELECT Id FROM Account WHERE NOT Id IN ({_SEMI})",
        "not allowed with the 'NOT' operator",
        1,
        34,
    ),
    (f"SELECT Id FROM Account WHERE NOT (Name = 'x' AND Id IN ({_SEMI}))", "'NOT' operator", 1, 50),
    (
        f"SELECT Id FROM Account WHERE Name = 'x' OR Id IN ({_SEMI})",
        "not allowed with the 'OR' operator",
        1,
        44,
    ),
    (
        f"SELECT Id FROM Account WHERE Name = 'x' AND (Id IN ({_SEMI}) OR Id = '001000000000001')",
        "not allowed with the 'OR' operator",
        1,
        46,
    ),
    (
        f"SELECT Id FROM Account WHERE Id IN ({_SEMI}) AND Id IN ({_SEMI}) AND Id NOT IN ({_SEMI})",
        "Maximum 2 semi join sub-selects are allowed",
        1,
        114,
    ),
    (
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Id IN "
        "(SELECT WhoId FROM Task))",
        "Nesting of semi join sub-selects is not supported",
        1,
        73,
    ),
    (
        f"SELECT Id FROM Account WHERE Id IN ({_SEMI} ORDER BY AccountId)",
        "ORDER BY is not allowed in a semi join",
        1,
        30,
    ),
    (
        f"SELECT Id FROM Account WHERE Id IN ({_SEMI} LIMIT 10)",
        "LIMIT is not allowed in a semi join",
        1,
        30,
    ),
    (
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId, Id FROM Contact)",
        "exactly one Id or reference field",
        1,
        30,
    ),
    (
        "SELECT Id FROM Account WHERE Id IN (SELECT COUNT() FROM Contact)",
        "exactly one Id or reference field",
        1,
        30,
    ),
    (
        f"SELECT Name, COUNT(Id) FROM Account GROUP BY Name HAVING Id IN ({_SEMI})",
        "are not allowed in HAVING",
        1,
        58,
    ),
    (
        f"SELECT Id, (SELECT Id FROM Contacts WHERE Name = 'x' OR Id IN ({_SEMI})) FROM Account",
        "not allowed with the 'OR' operator",
        1,
        57,
    ),
    # Nesting deeper than the parser's limit of 150 tree levels.
    (
        "SELECT Id FROM A WHERE " + "NOT (" * 300 + "A = 1" + ")" * 300,
        "nested more than 150 levels",
        1,
        1524,
    ),
    (
        "SELECT Id FROM A WHERE " + "FORMAT(" * 200 + "A" + ")" * 200 + " = 1",
        "nested more than 150",
        1,
        1060,
    ),
    # Multi-line statements report the row.
    ("SELECT Id\nFROM Contact\nWHERE Name = 'x'\nLIMT 5", "unexpected token: 'LIMT'", 4, 1),
    (
        "SELECT Id,\n  Name\n  Email\nFROM Contact",
        "only aggregate expressions use field aliasing",
        3,
        3,
    ),
]
