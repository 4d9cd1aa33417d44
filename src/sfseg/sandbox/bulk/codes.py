"""Error codes the sandbox's Bulk API returns.

Record-level codes (INVALID_FIELD, MISSING_ARGUMENT, ...) are Salesforce's StatusCode
values. The job-level codes are the Bulk API exception codes of the Bulk API guide
("Errors": InvalidJob, InvalidJobState, InvalidBatch, ...) written in upper case.
NOTE: the upper-case JSON spelling of the job-level codes follows captured bodies such
as `INVALIDJOBSTATE`; the guide itself lists them in camel case.
"""

from __future__ import annotations

API_ERROR = "API_ERROR"
CLIENTINPUTERROR = "CLIENTINPUTERROR"
DUPLICATE_EXTERNAL_ID = "DUPLICATE_EXTERNAL_ID"
EXCEEDEDQUOTA = "EXCEEDEDQUOTA"
FUNCTIONALITY_NOT_ENABLED = "FUNCTIONALITY_NOT_ENABLED"
INVALIDBATCH = "INVALIDBATCH"
INVALIDJOB = "INVALIDJOB"
INVALIDJOBSTATE = "INVALIDJOBSTATE"
INVALIDLOCATOR = "INVALIDLOCATOR"
INVALIDURL = "INVALIDURL"
INVALIDVERSION = "INVALIDVERSION"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
JSON_PARSER_ERROR = "JSON_PARSER_ERROR"
MALFORMED_QUERY = "MALFORMED_QUERY"
MISSING_ARGUMENT = "MISSING_ARGUMENT"
NOT_FOUND = "NOT_FOUND"
