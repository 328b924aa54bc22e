"""The REST API of every record type that opts in (`RecordType.api`), built from its declaration: list
(filtered, sorted, cursor-paged), read, create, change (If-Match) and delete to the trash, under
/api/v1/<url_prefix> with the scopes `<url_prefix>:read` and `<url_prefix>:write`.

Nothing here names a record type. The schemas come from the field catalogue (names, types, choices as enums,
lengths read from the model), the list's query parameters from the type's filters and sorts, and the list
itself is read through the one query grammar (`core.records.query.parse`) the web list and exports use. What a
type does beyond its declaration is a `Hooks` object from its own small module (contacts.py).
"""

import dataclasses
import datetime
import decimal
import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, QueryDict
from django_countries.fields import CountryField
from ninja import Header, Path, Query, Router, Schema, Status
from pydantic import AfterValidator, BeforeValidator, Strict, create_model
from pydantic import Field as SchemaField
from pydantic_core import PydanticCustomError

from tandem.api.auth import TokenAuth
from tandem.api.errors import BadRequest, ErrorOut, error_body, responses
from tandem.api.v1.openapi import property_filter_parameters
from tandem.api.v1.paging import checked_cursor, property_filters
from tandem.api.v1.schemas import (
    MAX_FILTER_VALUES,
    MAX_ID,
    CountryCode,
    Day,
    Month,
    OwnerValue,
    PropertyValues,
    RecordId,
    Text,
    WriteSchema,
)
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import paginate
from tandem.core.records import query as grammar
from tandem.core.records.fields import Field
from tandem.core.records.registry import Filter, RecordType

IF_MATCH_DESCRIPTION = (
    "The ETag of the record as you read it (GET or a previous PATCH). The change is made only if the record "
    "is still that version; otherwise 412 and nothing is written."
)
# 412 answers a stale If-Match in the one error format (code "precondition_failed").
PRECONDITION_FAILED = {412: ErrorOut}
OWNER_HELP = "Defaults to the token's user on create."
COMPUTED_TYPES: dict[str, Any] = {"string": str, "integer": int, "boolean": bool, "array": list[str]}


@dataclasses.dataclass(frozen=True)
class Hooks:
    """What one type's API does beyond its declaration, written beside the API (it may answer in the API's
    error format). `check_values(values, current)` sees the fields sent, by their API names, before the
    service does; `current` is None on create."""

    check_values: Callable[[dict[str, Any], models.Model | None], None] | None = None


# --- the field catalogue as API fields -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ApiField:
    name: str  # the API's name ("company_id")
    read: Callable[[Any], Any]  # record -> the value shown
    output_type: Any
    write_type: Any = None  # None: read-only
    write_default: Any = None  # a pydantic Field: the default and documentation of a create's value
    service_name: str = ""  # the key of the services' `values` ("company"), or
    service_argument: str = ""  # the service argument it goes to instead (contacts' "tags")


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    """The column behind a catalogue field; None for a computed one or a many-to-many (tags), which the
    field's `api_value` and `api_type` describe instead."""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return None if model_field.many_to_many or model_field.one_to_many else model_field


def _json_type(model_field: models.Field | None, api_type: str) -> Any:
    if model_field is None:
        return COMPUTED_TYPES[api_type]
    if model_field.many_to_one:
        return int
    if isinstance(model_field, models.JSONField) and api_type == "array":
        return list[str]  # a JSON column holding a list of strings (a product's key features)
    for field_class, python_type in (
        (models.BooleanField, bool),
        (models.IntegerField, int),
        (models.DateTimeField, datetime.datetime),
        (models.DateField, datetime.date),
        (models.DecimalField, decimal.Decimal),
        (models.JSONField, dict[str, Any]),
    ):
        if isinstance(model_field, field_class):
            return python_type
    return str


def _reader(field: Field, model_field: models.Field | None) -> Callable[[Any], Any]:
    if field.api_value is not None:
        return field.api_value
    attribute = model_field.attname if model_field is not None else field.attribute
    if isinstance(model_field, CountryField):
        return lambda record: str(getattr(record, attribute) or "")
    return lambda record: getattr(record, attribute)


def _within(max_length: int) -> Callable[[str], str]:
    """The schema's maxLength counts what is sent, the services count it trimmed: refuse here what only the
    trimming would let through, so nothing longer than the schema allows is accepted. The rest of a too
    long value is left to the service, whose message comes with the request's other field errors."""

    def check(value: str) -> str:
        if len(value) > max_length and len(value.strip()) <= max_length:
            raise PydanticCustomError("string_too_long", f"At most {max_length} characters.")
        return value

    return check


def _choices(field: Field) -> tuple[str, ...]:
    """The values of a field the catalogue gives choices: an enum in and out. (Only the catalogue's: a
    country column has the model's choices, but its cleaner also reads names, so it takes any text.)"""
    return tuple(str(value) for value, _label in field.choices)


def _write_type(field: Field, model_field: models.Field | None, base: Any) -> tuple[Any, dict[str, Any]]:
    """The input type of a writable field and the keywords of its schema field."""
    extra: dict[str, Any] = {}
    if _choices(field):
        written: Any = Literal[_choices(field)]
    elif model_field is not None and model_field.many_to_one:
        written = RecordId
    elif base is str:
        written = Text
        # Only for text kept as typed: a cleaner may read a longer input (a country's name, a pasted web
        # address) into a short stored value.
        if field.widget in ("text", "textarea") and model_field is not None and model_field.max_length:
            written = Annotated[Text, AfterValidator(_within(model_field.max_length))]
            extra["json_schema_extra"] = {"maxLength": model_field.max_length}
    elif base == list[str]:
        written = list[Text]
    elif base in (datetime.date, datetime.datetime):
        # JSON has no date type: read from its text only (lax mode would take the number 0 as 1970-01-01).
        written = Annotated[base, BeforeValidator(_date_text), Strict(False)]
    elif base is decimal.Decimal:
        written = Annotated[base, Strict(False)]  # JSON has no such type: read from its text
    else:
        written = base
    if model_field is not None and model_field.null:
        written = written | None
    return written, extra


def _date_text(value: Any) -> Any:
    """A date or date-time arrives as ISO 8601 text (or null); a number is refused, not read as a timestamp."""
    if value is not None and not isinstance(value, str | datetime.date):
        raise PydanticCustomError("date_text", "Give the date as text, e.g. 2026-03-31.")
    return value


def _create_default(field: Field, model_field: models.Field | None, base: Any, extra: dict[str, Any]) -> Any:
    """A create's schema field: the model's default, or required when the model needs a value."""
    if field.widget == "owner":
        extra["description"] = OWNER_HELP
    if model_field is None:
        return SchemaField(default_factory=list, **extra) if field.api_type == "array" else SchemaField(None)
    if model_field.has_default() and not callable(model_field.default):
        default = model_field.default
        return SchemaField(str(default) if _choices(field) else default, **extra)
    if model_field.null:
        return SchemaField(None, **extra)
    if not model_field.blank:
        plain_text = base is str and not _choices(field)
        return SchemaField(..., **({"min_length": 1} if plain_text else {}), **extra)
    return SchemaField("" if base is str else None, **extra)


def api_fields(record_type: RecordType) -> list[ApiField]:
    """The type's fields as the API shows and takes them, in catalogue order after the read-only extras."""
    model = record_type.model
    result = []
    for name, description in record_type.api.read_only if record_type.api else ():
        model_field = model._meta.get_field(name)
        output: Any = _json_type(model_field, "string")
        if model_field.null:
            output = output | None
        result.append(
            ApiField(
                name,
                lambda record, name=name: getattr(record, name),
                Annotated[output, SchemaField(description=description)],
            )
        )
    read_only = {name for name, _description in record_type.api.read_only} if record_type.api else set()
    for field in record_type.fields:
        if field.attribute in read_only:
            continue  # shown above, with its description, and never written
        model_field = _model_field(model, field.attribute)
        if model_field is None and field.api_value is None:
            continue  # a computed field with nothing to show through the API
        base = _json_type(model_field, field.api_type)
        output = Literal[_choices(field)] if _choices(field) else base
        if model_field is not None and model_field.null:
            output = output | None
        name = field.api_name or (model_field.attname if model_field is not None else field.attribute)
        writable = bool(field.section) and (model_field is not None or field.service_argument)
        write_type, extra = _write_type(field, model_field, base) if writable else (None, {})
        result.append(
            ApiField(
                name,
                _reader(field, model_field),
                output,
                write_type,
                _create_default(field, model_field, base, extra) if writable else None,
                service_name=field.attribute,
                service_argument=field.service_argument,
            )
        )
    return result


# --- schemas ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Schemas:
    output: type[Schema]
    page: type[Schema]
    write: type[Schema]
    patch: type[Schema]


def schemas(record_type: RecordType, fields: list[ApiField]) -> Schemas:
    """ContactOut, ContactPage, ContactWrite and ContactPatch, by the type's name."""
    name = _camel(record_type.verbose_name)
    properties = record_type.properties is not None
    output_fields: dict[str, Any] = {"id": (int, ...)}
    output_fields |= {item.name: (item.output_type, ...) for item in fields}
    write_fields = {item.name: (item.write_type, item.write_default) for item in fields if item.write_type}
    patch_fields = {
        item.name: (item.write_type | None, SchemaField(None, description=_patch_help(record_type, item)))
        for item in fields
        if item.write_type
    }
    if properties:
        output_fields["properties"] = (dict[str, Any], ...)
        write_fields["properties"] = (PropertyValues, SchemaField(default_factory=dict))
        patch_fields["properties"] = (
            PropertyValues | None,
            SchemaField(None, description="Merged into the current values; null clears one."),
        )
    output = create_model(f"{name}Out", __base__=Schema, **output_fields)
    return Schemas(
        output=output,
        page=create_model(
            f"{name}Page", __base__=Schema, results=(list[output], ...), next_cursor=(str | None, ...)
        ),
        write=create_model(f"{name}Write", __base__=WriteSchema, **write_fields),
        patch=create_model(
            f"{name}Patch",
            __base__=WriteSchema,
            __doc__='Only the fields sent are changed; send null or "" to clear a field.',
            **patch_fields,
        ),
    )


def _patch_help(record_type: RecordType, item: ApiField) -> str | None:
    if item.service_argument:
        return f"Replaces the {record_type.verbose_name}'s {item.service_argument}."
    return None


def _camel(words: str) -> str:
    return "".join(word.capitalize() for word in words.split())


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


# --- the list's query parameters: the type's filters, in the types the grammar reads -------------------------


def _filter_parameter(record_type: RecordType, spec: Filter) -> tuple[Any, Any]:
    """A filter as a declared query parameter: (annotation, default)."""
    kind, help_text = spec.kind, spec.help or None
    many = {"max_length": MAX_FILTER_VALUES}
    if kind == "search":
        return Annotated[Text, Query("", description=help_text or "Words, or parts of words, to find.")], ""
    if kind == "choice":
        values = Literal[tuple(value for value, _label in spec.choices)]
        return Annotated[list[values] | None, Query(None, description=help_text, **many)], None
    if kind == "owner":
        nobody = '; "none" for records nobody owns' if spec.unowned_attribute else ""
        description = help_text or f"A user's id: records they own{nobody}."
        value_type = OwnerValue if spec.unowned_attribute else RecordId
        return Annotated[list[value_type] | None, Query(None, description=description, **many)], None
    if kind == "team":
        description = help_text or "A team's id: records of that team."
        return Annotated[list[RecordId] | None, Query(None, description=description, **many)], None
    if kind == "ids":
        noun = spec.noun or spec.label.lower()
        description = (
            help_text or f"{_article(noun).capitalize()}'s id: its {record_type.verbose_name_plural}."
        )
        return Annotated[RecordId | None, Query(None, description=description)], None
    if kind == "country":
        return Annotated[list[CountryCode] | None, Query(None, description=help_text, **many)], None
    if kind == "text":
        return Annotated[Text, Query("", description=help_text)], ""
    if kind == "date":
        return Annotated[Day | None, Query(None, description=help_text)], None
    if kind == "month":
        return Annotated[Month | None, Query(None, description=help_text)], None
    raise ValueError(f"Filter kind {kind!r} has no API parameter.")  # pragma: no cover (a declaration error)


def _keyword(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _list_parameters(record_type: RecordType) -> list[inspect.Parameter]:
    sorts = Literal[tuple(record_type.sort_keys())]
    default, ranked = record_type.default_sort(), record_type.default_sort(searching=True)
    sort_help = f"Default: {default.key}" + (
        f", or {ranked.key} ({ranked.label}) when searching; {ranked.key} without a search is {default.key}."
        if ranked.key != default.key
        else "."
    )
    result = [_keyword(spec.name, *_filter_parameter(record_type, spec)) for spec in record_type.filters]
    result += [
        _keyword("sort", Annotated[sorts | None, Query(None, description=sort_help)], None),
        _keyword(
            "cursor",
            Annotated[Text | None, Query(None, description="next_cursor of the previous page.")],
            None,
        ),
        _keyword("limit", Annotated[int, Query(50, ge=1, le=200)], 50),
    ]
    for old, new in record_type.api.deprecated_parameters.items():
        description = f"Deprecated: use {new} (the list page's name). Still accepted, combined with {new}."
        annotation = Annotated[RecordId | None, Query(None, deprecated=True, description=description)]
        result.append(_keyword(old, annotation, None))
    return result


def _grammar_query(record_type: RecordType, values: dict[str, Any]) -> QueryDict:
    """The validated parameters as the query string the grammar reads, deprecated names folded into the
    names they stand for."""
    query, values = QueryDict(mutable=True), dict(values)
    for old, new in record_type.api.deprecated_parameters.items():
        if values.get(old) is not None:
            values[new] = [*(values.get(new) or []), values[old]]
    for spec in record_type.filters:
        value = values.get(spec.name)
        for item in value if isinstance(value, list) else [value]:
            if item is not None and item != "":
                query.appendlist(
                    spec.name, item.isoformat() if isinstance(item, datetime.date) else str(item)
                )
    if values.get("sort"):
        query["sort"] = values["sort"]
    return query


# The list page's messages end by saying what it skipped; the API skips nothing, it refuses.
IGNORED = re.compile(r";? ?(that filter|the range|it) was ignored\.$")


def _refuse_unreadable(record_type: RecordType, query: QueryDict, errors: list[str]) -> None:
    """A value the grammar cannot read is a 400 naming its parameter (the list page shows and skips it)."""
    fields = {}
    for name in query:
        single = QueryDict(mutable=True)
        single.setlist(name, query.getlist(name))
        found = grammar.parse(record_type, single, user_names={}).errors
        if found:
            fields[name] = IGNORED.sub(".", found[0])
    message = "Some filters are not valid." if fields else IGNORED.sub(".", errors[0])
    raise BadRequest(message, fields)


# --- the router ---------------------------------------------------------------------------------------------


def _view(body: Callable[..., Any], parameters: list[inspect.Parameter]) -> Callable[..., Any]:
    """`body` with the signature ninja reads its parameters from (built per type, so it cannot be written)."""

    def view(request: HttpRequest, **values: Any) -> Any:
        return body(request, **values)

    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest)
    view.__signature__ = inspect.Signature([request, *parameters])  # type: ignore[attr-defined]
    return view


def etag(record_type: RecordType, record: models.Model) -> str:
    """The strong ETag of a record: its version (the declaration's `services.version`), quoted."""
    return f'"{record_type.services.version(record)}"'


def expected_version(if_match: str | None) -> str | None:
    """The version an If-Match header asks for; None for no header or "*" (any version)."""
    value = (if_match or "").strip()
    if not value or value == "*":
        return None
    # A list names acceptable versions; a client editing one record sends one. If-Match compares strongly:
    # a weak tag (W/"…") never matches, so it is passed on as is and refused as stale.
    first = value.split(",")[0].strip()
    return first if first.startswith("W/") else first.strip('"')


class RecordRouter:
    """The operations of one record type; `router` is what the API mounts."""

    def __init__(self, record_type: RecordType, hooks: Hooks | None = None) -> None:
        if record_type.api is None:
            raise ValueError(f"{record_type.object_type} has no API declaration.")
        self.type = record_type
        self.hooks = hooks or Hooks()
        self.fields = api_fields(record_type)
        self.schemas = schemas(record_type, self.fields)
        self.sorts = {sort.key: sort.order for sort in record_type.sorts}
        if None in self.sorts.values():
            raise ValueError(f"Every sort of {record_type.object_type} needs its order for the API.")
        self.service_names = {item.service_name: item.name for item in self.fields if item.write_type}
        # What the shown values read beyond the row itself (contacts' tags): one query a page, not one a row.
        self.prefetch = [
            field.prefetch for field in record_type.fields if field.api_value is not None and field.prefetch
        ]
        self.plural = record_type.url_prefix
        self.id_name = f"{record_type.object_type}_id"
        self.router = Router(tags=[self.plural])
        self._add_operations()

    # the answers

    def data(self, record: models.Model) -> dict[str, Any]:
        values = {"id": record.pk, **{item.name: item.read(record) for item in self.fields}}
        if self.type.properties is not None:
            values["properties"] = record.properties
        return values

    def _live(self, request: HttpRequest, verb: str, pk: int) -> models.Model:
        queryset = self.type.model.objects.filter(deleted_at__isnull=True)
        return access.get_object_or_deny(request.user, verb, queryset, pk=pk)

    def _service_call(self, values: dict[str, Any]) -> dict[str, Any]:
        """The fields sent (API names) as the service's arguments: `values` by the services' names, plus the
        fields that go to an argument of their own."""
        arguments: dict[str, Any] = {"values": {}}
        for item in self.fields:
            if item.write_type is None or item.name not in values:
                continue
            if item.service_argument:
                arguments[item.service_argument] = values[item.name]
            else:
                arguments["values"][item.service_name] = values[item.name]
        if "properties" in values:
            arguments["values"]["properties"] = values["properties"]
        return {**self.type.api.service_arguments, **arguments}

    def _write(self, service: Callable[..., models.Model], **arguments: Any) -> models.Model:
        """Call a write service, its field errors renamed to the API's names (owner -> owner_id)."""
        try:
            return service(**arguments)
        except ValidationError as error:
            stale = self.type.services.stale_error
            if (stale is not None and isinstance(error, stale)) or not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {
                    self.service_names.get(name, name): messages
                    for name, messages in error.message_dict.items()
                }
            ) from error

    def _check(self, values: dict[str, Any], current: models.Model | None) -> None:
        if self.hooks.check_values is not None:
            self.hooks.check_values(values, current)

    # the operations

    def list(self, request: HttpRequest, **values: Any) -> dict[str, Any]:
        record_type = self.type
        query = _grammar_query(record_type, values)
        parsed = grammar.parse(record_type, query, user_names={})
        if parsed.errors:
            _refuse_unreadable(record_type, query, parsed.errors)
        filters = parsed.filters
        if record_type.properties is not None:
            filters = dataclasses.replace(filters, properties=property_filters(request.GET, record_type))
        sort = parsed.sort
        if not parsed.searching and record_type.sort(sort).needs_search:
            sort = record_type.default_sort().key  # a ranked order ranks nothing without a search
        sort_key = self.sorts[sort]
        cursor = checked_cursor(values["cursor"], sort_key)
        queryset = record_type.filtered(request.user, filters)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        if record_type.selectors.page is not None:
            page = record_type.selectors.page(queryset, filters, sort, cursor, values["limit"])
        else:
            page = paginate(queryset, sort_key, cursor, values["limit"])
        return {"results": [self.data(record) for record in page.rows], "next_cursor": page.next_cursor}

    def read(self, request: HttpRequest, response: HttpResponse, **values: Any) -> dict[str, Any]:
        record = self.type.selectors.detail(request.user, values[self.id_name])
        if self.type.services.version is not None:
            response["ETag"] = etag(self.type, record)
        return self.data(record)

    def create(self, request: HttpRequest, payload: Schema) -> Status:
        # Only what the client sent: the service applies its own defaults (the owner is the token's user).
        # As the web's create page does: a role that may not create the type is refused before anything runs.
        access.require_allowed(request.user, self.type.object_type, Verb.CREATE)
        values = payload.model_dump(exclude_unset=True)
        self._check(values, None)
        record = self._write(
            self.type.services.create, actor=request.user, request=request, **self._service_call(values)
        )
        return Status(201, self.data(record))

    def update(self, request: HttpRequest, payload: Schema, response: HttpResponse, **values: Any) -> Any:
        services = self.type.services
        record = self._live(request, Verb.CHANGE, values[self.id_name])
        sent = payload.model_dump(exclude_unset=True)
        self._check(sent, record)
        arguments = {services.record_argument: record, **self._service_call(sent)}
        if services.version is not None:
            arguments["expected_version"] = expected_version(values.get("if_match"))
        try:
            record = self._write(services.update, actor=request.user, request=request, **arguments)
        except ValidationError as error:
            if services.stale_error is None or not isinstance(error, services.stale_error):
                raise
            current = self.type.model.objects.get(pk=record.pk)
            response["ETag"] = etag(self.type, current)
            return Status(412, error_body("precondition_failed", error.messages[0]))
        if services.version is not None:
            response["ETag"] = etag(self.type, record)
        return self.data(record)

    def delete(self, request: HttpRequest, **values: Any) -> Status:
        record = self._live(request, Verb.DELETE, values[self.id_name])
        arguments = {self.type.services.record_argument: record}
        self.type.services.delete(actor=request.user, request=request, **arguments)
        return Status(204, None)

    def _add_operations(self) -> None:
        record_type, schemas_ = self.type, self.schemas
        one, many = record_type.verbose_name, record_type.verbose_name_plural
        name, plural_name = _camel(one), _camel(many)
        read, write = TokenAuth(f"{self.plural}:read"), TokenAuth(f"{self.plural}:write")
        collection, item = f"/{self.plural}", f"/{self.plural}/{{{self.id_name}}}"
        record_id = _keyword(self.id_name, int, Path(..., ge=1, le=MAX_ID))
        response = _keyword("response", HttpResponse)
        versioned = record_type.services.version is not None
        if_match = _keyword(
            "if_match",
            Annotated[Text | None, Header(None, alias="If-Match", description=IF_MATCH_DESCRIPTION)],
            None,
        )
        properties = record_type.properties is not None
        property_help = (
            " Filter by custom properties with `property:<name>=value`, or `property:<name>.gte=` / `.lte=` "
            "for numbers and dates."
            if properties
            else ""
        )
        list_help = (
            f"The same filters as the {many} list page, by the same names; a parameter may repeat to match any "
            f"of its values.{property_help} Pages follow `next_cursor` until it is null."
        )
        read_help = f"The ETag header is the {one}'s version: send it back as If-Match on PATCH."
        update_help = (
            "Send If-Match with the ETag you read to refuse the change (412) if someone changed the "
            f"{one} since."
        )
        operations = [
            ("get", collection, read, {200: schemas_.page}, f"List {many}", f"list{plural_name}", list_help,
             self.list, _list_parameters(record_type)),
            ("get", item, read, {200: schemas_.output}, f"Get {_article(one)}", f"get{name}",
             read_help if versioned else "", self.read, [response, record_id]),
            ("post", collection, write, {201: schemas_.output}, f"Create {_article(one)}", f"create{name}", "",
             self.create, [_keyword("payload", schemas_.write)]),
            ("patch", item, write, {200: schemas_.output, **(PRECONDITION_FAILED if versioned else {})},
             f"Change {_article(one)}", f"update{name}", update_help if versioned else "", self.update,
             [_keyword("payload", schemas_.patch), response, record_id, *([if_match] if versioned else [])]),
            ("delete", item, write, {204: None}, f"Move {_article(one)} to the trash", f"delete{name}", "",
             self.delete, [record_id]),
        ]  # fmt: skip
        for method, path, auth, success, summary, operation_id, description, body, parameters in operations:
            getattr(self.router, method)(
                path,
                auth=auth,
                response=responses(success),
                summary=summary,
                operation_id=operation_id,
                description=description or None,
                openapi_extra=property_filter_parameters(one) if properties and body == self.list else None,
            )(_view(body, parameters))
