"""Field values between request JSON, SQLite columns and response JSON.

`to_column` checks one decoded JSON value against its field and returns what the
column stores (`sfseg.sandbox.storage` describes the encoding). `to_wire` turns a
column value back into the JSON value Salesforce returns. Errors follow Salesforce: a value
whose JSON type cannot become the field's type is a `JSON_PARSER_ERROR` ("Cannot
deserialize instance of double from VALUE_STRING value abc ..."), captured from live
orgs in client bug reports; a text too long is `STRING_TOO_LONG`.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sfseg.sandbox.metadata import (
    NUMBER_TYPES,
    TEXT_TYPES,
    ErrorCode,
    FieldSchema,
    FieldType,
    RecordError,
)

__all__ = [
    "address_to_wire",
    "format_date",
    "format_datetime",
    "format_time",
    "parse_date",
    "parse_datetime",
    "text_to_column",
    "to_column",
    "to_wire",
]

_DATETIME_PATTERN = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_PATTERN = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?Z?$")
# Rejects what Salesforce rejects in practice, which is less than RFC 5322 forbids.
_EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

_DESERIALIZE_NAMES = {
    FieldType.BOOLEAN: "boolean",
    FieldType.INT: "int",
    FieldType.DOUBLE: "double",
    FieldType.CURRENCY: "double",
    FieldType.PERCENT: "double",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
    FieldType.TIME: "time",
    FieldType.ID: "id",
    FieldType.REFERENCE: "reference",
}


def format_datetime(moment: datetime) -> str:
    """Return the fixed-width wire form `2024-05-01T09:30:00.000+0000` (UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def format_date(day: date) -> str:
    """Return `YYYY-MM-DD`."""
    return day.isoformat()


def format_time(moment: time) -> str:
    """Return the wire form of a time, `HH:MM:SS.sssZ`."""
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 datetime as Salesforce accepts it (`Z`, `+hh:mm` or `+hhmm`;
    no offset means UTC). Raises ValueError."""
    match = _DATETIME_PATTERN.match(text)
    if match is None:
        msg = f"not an ISO-8601 datetime: {text!r}"
        raise ValueError(msg)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute),
                      int(second or 0), micro, tzinfo=UTC)
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        shift = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        moment -= timedelta(minutes=shift)
    return moment


def parse_date(text: str) -> date:
    """Parse `YYYY-MM-DD`. Raises ValueError."""
    if not _DATE_PATTERN.match(text):
        msg = f"not a YYYY-MM-DD date: {text!r}"
        raise ValueError(msg)
    return date.fromisoformat(text)


def _parse_time(text: str) -> str:
    match = _TIME_PATTERN.match(text)
    if match is None:
        msg = f"not a time: {text!r}"
        raise ValueError(msg)
    hour, minute, second, fraction = match.groups()
    moment = time(int(hour), int(minute), int(second or 0),
                  int((fraction or "0")[:6].ljust(6, "0")))
    return format_time(moment)


def _token(value: Any) -> tuple[str, str]:
    """Return the JSON token name and text Salesforce's parser reports for `value`."""
    if isinstance(value, bool):
        return ("VALUE_TRUE" if value else "VALUE_FALSE", "true" if value else "false")
    if isinstance(value, int):
        return ("VALUE_NUMBER_INT", str(value))
    if isinstance(value, float):
        return ("VALUE_NUMBER_FLOAT", repr(value))
    if isinstance(value, dict):
        return ("START_OBJECT", "{")
    if isinstance(value, list):
        return ("START_ARRAY", "[")
    return ("VALUE_STRING", str(value))


def _parser_error(field: FieldSchema, value: Any) -> RecordError:
    kind = _DESERIALIZE_NAMES.get(field.type, "string")
    token, text = _token(value)
    message = (
        f"Cannot deserialize instance of {kind} from {token} value {text} "
        "or request may be missing a required field"
    )
    return RecordError(ErrorCode.JSON_PARSER_ERROR, message, [])


def to_column(field: FieldSchema, value: Any) -> Any:
    """Check a decoded JSON value for `field` and return the column value.

    Raises:
        RecordError: JSON_PARSER_ERROR, STRING_TOO_LONG, INVALID_EMAIL_ADDRESS,
            INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST or NUMBER_OUTSIDE_VALID_RANGE.
    """
    if value is None:
        return 0 if field.type is FieldType.BOOLEAN else None
    kind = field.type
    if kind is FieldType.BOOLEAN:
        return _boolean(field, value)
    if kind is FieldType.INT:
        return _integer(field, value)
    if kind in NUMBER_TYPES:
        return _number(field, value)
    if kind is FieldType.DATE:
        return _date_text(field, value)
    if kind is FieldType.DATETIME:
        return _datetime_text(field, value)
    if kind is FieldType.TIME:
        return _time_text(field, value)
    if kind in {FieldType.ID, FieldType.REFERENCE}:
        if not isinstance(value, str):
            raise _parser_error(field, value)
        return value or None
    return _text(field, value)


def text_to_column(field: FieldSchema, value: Any) -> Any:
    """Like `to_column`, for a value read from CSV text (Bulk API 2.0 ingest).

    A checkbox also takes 1 and 0. A value that cannot become the field's type raises
    INVALID_TYPE_ON_FIELD_IN_RECORD "Label: value not of required type: x", the
    message Salesforce writes in a failed ingest row.
    """
    if field.type is FieldType.BOOLEAN and value in {"1", "0"}:
        return int(value)
    try:
        return to_column(field, value)
    except RecordError as error:
        if error.error_code != ErrorCode.JSON_PARSER_ERROR:
            raise
        message = f"{field.label}: value not of required type: {value}"
        raise RecordError(ErrorCode.INVALID_TYPE_ON_FIELD_IN_RECORD, message,
                          [field.name]) from None


def _boolean(field: FieldSchema, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return int(value.lower() == "true")
    raise _parser_error(field, value)


def _integer(field: FieldSchema, value: Any) -> int:
    number = _number(field, value)
    if number is None:
        raise _parser_error(field, value)
    if number != int(number):
        raise _parser_error(field, value)
    return int(number)


def _number(field: FieldSchema, value: Any) -> float | None:
    if isinstance(value, bool | dict | list):
        raise _parser_error(field, value)
    if isinstance(value, str):
        if value.strip() == "":
            return None
        try:
            number = float(value)
        except ValueError:
            raise _parser_error(field, value) from None
    else:
        number = float(value)
    if not math.isfinite(number):
        raise _parser_error(field, value)
    _check_range(field, number, value)
    if field.type is FieldType.CURRENCY:
        number = round(number, field.scale)
    return number


def _check_range(field: FieldSchema, number: float, raw: Any) -> None:
    whole_digits = (field.precision - field.scale) if field.precision else field.digits
    if whole_digits and abs(number) >= 10.0**whole_digits:
        message = f"{field.label}: value outside of valid range on numeric field: {raw}"
        raise RecordError(ErrorCode.NUMBER_OUTSIDE_VALID_RANGE, message, [field.name])


def _date_text(field: FieldSchema, value: Any) -> str:
    if not isinstance(value, str):
        raise _parser_error(field, value)
    try:
        if "T" in value:
            # NOTE: a datetime for a date field is taken as its UTC date. Salesforce's
            # own tree import accepts such values (apex-recipes sends them); the exact
            # rule for offsets is unconfirmed.
            return parse_datetime(value).date().isoformat()
        return parse_date(value).isoformat()
    except ValueError:
        raise _parser_error(field, value) from None


def _datetime_text(field: FieldSchema, value: Any) -> str:
    if not isinstance(value, str):
        raise _parser_error(field, value)
    try:
        return format_datetime(parse_datetime(value))
    except ValueError:
        raise _parser_error(field, value) from None


def _time_text(field: FieldSchema, value: Any) -> str:
    if not isinstance(value, str):
        raise _parser_error(field, value)
    try:
        return _parse_time(value)
    except ValueError:
        raise _parser_error(field, value) from None


def _text(field: FieldSchema, value: Any) -> str | None:
    if isinstance(value, dict | list):
        if field.type is FieldType.MULTIPICKLIST and isinstance(value, list):
            value = ";".join(str(item) for item in value)
        else:
            raise _parser_error(field, value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    if text == "":
        # Salesforce stores an empty string in a text field as null.
        return None
    if field.type is FieldType.MULTIPICKLIST:
        text = ";".join(part.strip() for part in text.split(";") if part.strip())
    if field.length and len(text) > field.length:
        message = f"{field.label}: data value too large: {text} (max length={field.length})"
        raise RecordError(ErrorCode.STRING_TOO_LONG, message, [field.name])
    if field.type is FieldType.EMAIL and not _EMAIL_PATTERN.match(text):
        message = f"{field.label}: invalid email address: {text}"
        raise RecordError(ErrorCode.INVALID_EMAIL_ADDRESS, message, [field.name])
    if field.restricted_picklist:
        _check_restricted(field, text)
    return text


def _check_restricted(field: FieldSchema, text: str) -> None:
    allowed = {entry.value for entry in field.picklist_values if entry.active}
    parts = text.split(";") if field.type is FieldType.MULTIPICKLIST else [text]
    for part in parts:
        if part not in allowed:
            message = f"{field.label}: bad value for restricted picklist field: {part}"
            raise RecordError(ErrorCode.INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, message, [field.name])


def to_wire(field: FieldSchema, value: Any) -> Any:
    """Return the JSON value Salesforce sends for a column value."""
    if value is None:
        return None
    if field.type is FieldType.BOOLEAN:
        return bool(value)
    if field.type is FieldType.INT:
        return int(value)
    if field.type in NUMBER_TYPES:
        return float(value)
    if field.type in TEXT_TYPES:
        return str(value)
    return value


_ADDRESS_PARTS = {
    "Street": "street",
    "City": "city",
    "State": "state",
    "PostalCode": "postalCode",
    "Country": "country",
    "Latitude": "latitude",
    "Longitude": "longitude",
    "GeocodeAccuracy": "geocodeAccuracy",
}


def address_to_wire(compound: FieldSchema, row: dict[str, Any]) -> dict[str, Any] | None:
    """Return the compound address JSON (`{"city", "country", ...}`) from its part columns,
    or None when every part is null, as Salesforce does."""
    prefix = compound.name.removesuffix("Address")
    result: dict[str, Any] = {}
    for suffix, key in _ADDRESS_PARTS.items():
        value = row.get(prefix + suffix)
        if suffix in {"Latitude", "Longitude"} and value is not None:
            value = float(value)
        result[key] = value
    if all(value is None for value in result.values()):
        return None
    return dict(sorted(result.items()))
