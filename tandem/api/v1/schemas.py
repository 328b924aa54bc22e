"""Request and response shapes of API v1 and the value types they share. The record types' own schemas
(ContactOut, CompanyWrite, …) are generated from their field catalogues by records.py.

Write schemas list exactly what a client may set and forbid anything else: team, score, timestamps,
deletion and ids are not in them, so they cannot be mass-assigned. owner_id is there because the service
decides who may hand a record to whom.
"""

import datetime
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    with_config,
)
from typing_extensions import TypedDict

from tandem.contacts.models import PropertyType
from tandem.core import timeline

MAX_ID = 2**63 - 1


def _refuse_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it here with a field message rather than fail there.
    if "\x00" in value:
        raise ValueError("Text cannot contain the NUL character.")
    return value


def _refuse_nul_anywhere(value: Any) -> Any:
    if isinstance(value, str):
        _refuse_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(str(key))
            _refuse_nul_anywhere(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul_anywhere(item)
    return value


Text = Annotated[str, AfterValidator(_refuse_nul)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
PropertyValues = Annotated[dict[str, Any], AfterValidator(_refuse_nul_anywhere)]


def _iso_day(value: Any) -> Any:
    # Pydantic would read "0" or "1700000000" as a Unix time; a filter date is written YYYY-MM-DD.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("Use a date written YYYY-MM-DD.")
    return value


# Any day from 0001-01-01 to 9999-12-31, as on the list pages: the selector reads "to 9999-12-31" (which has
# no day after it to compare with) as no upper bound, so both ends are plain bounds, never an error.
Day = Annotated[
    datetime.date,
    BeforeValidator(_iso_day),
    Field(description="YYYY-MM-DD, from 0001-01-01 to 9999-12-31."),
]


# 0001-01 to 9999-12: the years a date can have (the pattern has no look-ahead, so every generator reads it).
MONTH_PATTERN = "^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])$"


def _iso_month(value: str) -> str:
    if not re.fullmatch(MONTH_PATTERN, value):
        raise ValueError("Use a month written YYYY-MM, e.g. 2026-03.")
    return value


# A month filter; the grammar reads it as its first to its last day (`core.records.query.parse_month`).
Month = Annotated[
    str,
    AfterValidator(_iso_month),
    WithJsonSchema(
        {"type": "string", "pattern": MONTH_PATTERN, "description": "YYYY-MM, from 0001-01 to 9999-12."}
    ),
]
UNOWNED = "none"


def _owner_value(value: Any) -> int | str:
    if value == UNOWNED:
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError("Use a user's id, or none for records nobody owns.") from None
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"Use an id from 1 to {MAX_ID}.")
    return number


# One validator for both forms, so an error names the parameter, not a branch of a union.
OwnerValue = Annotated[
    int | str, PlainValidator(_owner_value, json_schema_input_type=RecordId | Literal["none"])
]
CountryCode = Annotated[Text, Field(min_length=2, max_length=2, description="ISO 3166 code, e.g. DE.")]
MAX_FILTER_VALUES = 50


class WriteSchema(Schema):
    # Strict: a JSON body says what it means, so `true` is not the id 1 and "5" is not the number 5.
    model_config = ConfigDict(extra="forbid", strict=True)


ObjectTypeName = Literal["contact", "company"]
# The timeline kinds the installed apps register (tandem/core/timeline.py), read when the API loads (after
# every app's ready()). An entry of a kind no installed app declares any more is returned as stored, not a 500.
Kind = Annotated[str, PlainValidator(str), WithJsonSchema({"type": "string", "enum": timeline.keys()})]
ValueType = Literal[tuple(PropertyType.values)]  # type: ignore[valid-type]


# A TypedDict, not a Schema: "from" is a key of it, and ninja serialises schemas by attribute name.
ActivityDetails = with_config(ConfigDict(extra="allow", title="ActivityDetails"))(
    TypedDict(
        "ActivityDetails",
        {
            "changes": Annotated[
                dict[str, list[Any]],
                Field(description="updated, merged, merge_undone: per changed field, [before, after]."),
            ],
            "fields": Annotated[list[str], Field(description="Bulk and import updates: the fields changed.")],
            "from": Annotated[
                str | None, Field(description="stage_changed, consent_changed: the value before.")
            ],
            "to": Annotated[
                str | None, Field(description="stage_changed, consent_changed: the value after.")
            ],
            "purpose": Annotated[str, Field(description="consent_changed: the consent purpose.")],
            "merged_with": Annotated[str, Field(description="merged: the name of the record merged in.")],
            "restored": Annotated[str, Field(description="merge_undone: the name of the record put back.")],
            "subject": Annotated[str, Field(description="email_sent and other emails: the subject line.")],
        },
        total=False,
    )
)
ActivityDetails.__doc__ = (
    "What an activity records beyond its columns: each key appears only on the kinds that set it, and kinds "
    "added later may add their own keys."
)


class ActivityOut(Schema):
    id: int
    kind: Kind  # type: ignore[valid-type]
    occurred_at: datetime.datetime
    contact_id: int | None
    company_id: int | None
    actor_id: int | None
    subject_type: str
    subject_id: int | None
    campaign_id: int | None
    body: str
    details: ActivityDetails


class ActivityPage(Schema):
    results: list[ActivityOut]
    next_cursor: str | None


class NoteWrite(WriteSchema):
    body: Text = Field(..., min_length=1)


class PropertyOut(Schema):
    id: int
    object_type: ObjectTypeName
    name: str
    label: str
    value_type: ValueType  # type: ignore[valid-type]
    choices: list[str]
    help_text: str
    position: int
    created_at: datetime.datetime


class PropertyList(Schema):
    results: list[PropertyOut]


class PropertyWrite(WriteSchema):
    object_type: ObjectTypeName
    name: Text = Field(..., min_length=1, max_length=60)
    label: Text = Field(..., min_length=1, max_length=100)
    value_type: ValueType  # type: ignore[valid-type]
    choices: list[Text] = Field(default_factory=list)
    help_text: Text = Field("", max_length=200)
