"""What ninja does not do for us: the OpenAPI document's response headers every client relies on (rate
limits, Retry-After, WWW-Authenticate, Content-Disposition), declared on exactly the responses that carry
them, the custom-property filters as a declared parameter, and the refusal of query parameters an
operation does not take (a misspelled filter must be a 400, never silently ignored)."""

import functools
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation
from pydantic import BaseModel

from tandem.api.errors import BadRequest

PROPERTY_FILTER_PATTERN = r"^property:[a-z][a-z0-9_]{0,59}(\.(gte|lte))?$"
# The API's first spelling, still read: `property.plan` means `property:plan`.
DEPRECATED_PROPERTY_FILTER_PATTERN = r"^property\.[a-z][a-z0-9_]{0,59}(\.(gte|lte))?$"
PROPERTY_PARAMETERS = {
    "property_filters": PROPERTY_FILTER_PATTERN,
    "deprecated_property_filters": DEPRECATED_PROPERTY_FILTER_PATTERN,
}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests this token may send per window (one minute).",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the current window ends and the count starts again.",
}


def _header(description: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


def _rate_limit_headers(required: bool) -> dict[str, Any]:
    return {
        name: _header(description, {"type": "integer", "minimum": 0}, required)
        for name, description in RATE_LIMIT_HEADERS.items()
    }


def response_headers(status: int, operation_id: str) -> dict[str, Any]:
    """The headers of one response of an operation behind token auth (every operation of the API).

    The token check runs first: every answer after it (successes, 400, 403, 404, 429) carries the
    rate-limit headers; a 401 carries WWW-Authenticate instead."""
    if status == 401:
        return {"WWW-Authenticate": _header("The authentication scheme to use: Bearer.", {"type": "string"})}
    headers = _rate_limit_headers(required=True)
    if status == 429:
        headers["Retry-After"] = _header("Seconds to wait before the next request.", {"type": "integer"})
    if status == 200 and operation_id in ("downloadExport", "downloadImportErrors"):
        headers["Content-Disposition"] = _header(
            'attachment; filename="…": the name to save the file under.', {"type": "string"}
        )
    return headers


class TandemAPI(NinjaAPI):
    def refuse_unknown_query_parameters(self) -> None:
        """Call once every router is added: each operation then answers 400 to a query parameter it does not
        declare. The check runs after the token check, so the answer has the token's rate-limit headers."""
        for operation in self.operations():
            parameters = (operation.openapi_extra or {}).get("parameters", [])
            patterns = [
                PROPERTY_PARAMETERS[item["name"]]
                for item in parameters
                if item["name"] in PROPERTY_PARAMETERS
            ]
            operation.view_func = _refusing_unknown_query(
                operation.view_func, _query_names(operation), patterns
            )

    def operations(self) -> list[Operation]:
        return [
            operation
            for bound_router in self._get_bound_routers()
            for path_view in bound_router.path_operations.values()
            for operation in path_view.operations
        ]

    def operation_scopes(self) -> dict[str, tuple[str, ...]]:
        """operationId -> the scopes its token check accepts (any one of them), read from the TokenAuth
        each operation is declared with: the one place the code says which scope an operation needs."""
        return {
            operation.operation_id: tuple(
                scope for callback in operation.auth_callbacks for scope in getattr(callback, "scopes", ())
            )
            for operation in self.operations()
        }

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        scopes = self.operation_scopes()
        for item in schema["paths"].values():
            for operation in item.values():
                # OpenAPI 3.1 lets a non-OAuth scheme list the roles it needs; alternatives are OR-ed.
                operation["security"] = [
                    {"TokenAuth": [scope]} for scope in scopes.get(operation.get("operationId"), ())
                ]
                for status, response in operation.get("responses", {}).items():
                    headers = response_headers(int(status), operation.get("operationId", ""))
                    response["headers"] = {**headers, **response.get("headers", {})}
        return schema


def property_filter_parameters(noun: str) -> dict[str, Any]:
    """The custom-property filters of a list operation, declared as exploded form objects: each of their
    keys is a query parameter of its own (`property:plan=pro`, `property:seats.gte=10`). The names are the
    definitions' names (GET /properties), so they are declared by pattern; `property.<name>`, the API's first
    spelling, is declared beside them as deprecated."""

    def parameter(name: str, pattern: str, description: str, deprecated: bool = False) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "description": description,
            **({"deprecated": True} if deprecated else {}),
            "schema": {
                "type": "object",
                "patternProperties": {pattern: {"type": "string"}},
                "additionalProperties": False,
            },
        }

    return {
        "parameters": [
            parameter(
                "property_filters",
                PROPERTY_FILTER_PATTERN,
                f"Custom {noun} properties: `property:<name>=value` (equals; for a multiple choice, has that "
                "option), `property:<name>.gte=` and `.lte=` for number and date properties, as on the list "
                "page. An unknown property or a value of the wrong type is a 400.",
            ),
            parameter(
                "deprecated_property_filters",
                DEPRECATED_PROPERTY_FILTER_PATTERN,
                "Deprecated: `property.<name>` is the old spelling of `property:<name>`. Still accepted.",
                deprecated=True,
            ),
        ]
    }


def _query_names(operation: Operation) -> set[str]:
    names: set[str] = set()
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) != "query":
            continue
        for field_name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                # A schema taken as query parameters: its fields are the parameters.
                names.update(
                    inner.alias or inner_name for inner_name, inner in annotation.model_fields.items()
                )
            else:
                names.add(field.alias or field_name)
    return names


def _refusing_unknown_query(view_func: Callable, known: set[str], patterns: list[str]) -> Callable:
    @functools.wraps(view_func)
    def view(request: HttpRequest, *args, **kwargs):
        unknown = [
            name
            for name in request.GET
            if name not in known and not any(re.match(pattern, name) for pattern in patterns)
        ]
        if unknown:
            accepted = ", ".join(sorted(known)) or "none"
            raise BadRequest(
                "Some query parameters are not known here.",
                {name[:60]: f"Not a parameter of this operation (it takes: {accepted})." for name in unknown},
            )
        return view_func(request, *args, **kwargs)

    return view
