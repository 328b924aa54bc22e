"""Turn the OpenAPI document into what the docs page lists: operations grouped by tag, with their
parameters, request and response schemas, and every schema's fields. Read-only; no business nouns."""

import re
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

METHOD_ORDER = ["get", "post", "put", "patch", "delete"]
API_PREFIX = "/api/v1"  # shown once in the page header; the contents list paths without it


def with_code(text: str) -> SafeString:
    """Escaped text with its `backtick spans` as <code>: the descriptions are written that way."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))  # noqa: S308 (escaped above)


def breakable_path(path: str) -> SafeString:
    """A path that may wrap after each slash, never inside a word."""
    return mark_safe(str(escape(path)).replace("/", "/<wbr>"))  # noqa: S308 (escaped above)


def _parameter_type(schema: dict[str, Any] | None, required: bool) -> str:
    # An optional parameter is simply left out: "| null" says nothing a reader needs.
    options = (schema or {}).get("anyOf")
    if options and not required:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            return type_label(kept[0])
        return type_label({"anyOf": kept})
    return type_label(schema)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_label(schema: dict[str, Any] | None) -> str:
    """A short human label for a JSON schema: "string", "ContactOut", "list of string", "date | null"."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "anyOf" in schema or "oneOf" in schema:
        return " | ".join(type_label(option) for option in schema.get("anyOf") or schema.get("oneOf"))
    if "enum" in schema:
        return "one of " + ", ".join(repr(value) if value == "" else str(value) for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_label(schema.get('items'))}"
    if (
        kind == "object"
        and "additionalProperties" in schema
        and isinstance(schema["additionalProperties"], dict)
    ):
        return f"object of {type_label(schema['additionalProperties'])}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _body_schema(content_holder: dict[str, Any] | None) -> str:
    if not content_holder:
        return ""
    content = content_holder.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), {})
    return type_label(media.get("schema")) if media else ""


def operation_scopes(operation: dict[str, Any]) -> list[str]:
    """The scopes an operation accepts, from its security requirement (any one of them is enough)."""
    return [
        scope
        for requirement in operation.get("security", [])
        for scopes in requirement.values()
        for scope in scopes
    ]


def reference(schema: dict[str, Any], scope_labels: dict[str, str]) -> dict[str, Any]:
    """The docs page's content. `scope_labels` names what each scope allows (ApiScope); the scopes listed are
    exactly those the operations' security requirements name, in the order of `scope_labels`."""
    component_names = set(schema.get("components", {}).get("schemas", {}))
    groups: dict[str, list[dict[str, Any]]] = {}
    operations_by_scope: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHOD_ORDER:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            # Status keys are numbers in the document ninja builds and strings once it went through JSON.
            responses = {str(status): response for status, response in operation.get("responses", {}).items()}
            entry = {
                "method": method.upper(),
                "path": path,
                "short_path": path.removeprefix(API_PREFIX) or "/",
                "toc_path": breakable_path(path.removeprefix(API_PREFIX) or "/"),
                "anchor": operation.get("operationId", f"{method}-{path}"),
                "operation_id": operation.get("operationId", ""),
                "summary": operation.get("summary", ""),
                "description": with_code(operation.get("description", "")),
                "deprecated": operation.get("deprecated", False),
                "scopes": operation_scopes(operation),
                "parameters": [
                    {
                        "name": parameter["name"],
                        "location": parameter.get("in", ""),
                        "required": parameter.get("required", False),
                        "deprecated": parameter.get("deprecated", False),
                        "type": _parameter_type(parameter.get("schema"), parameter.get("required", False)),
                        "description": with_code(
                            parameter.get("description", "")
                            or parameter.get("schema", {}).get("description", "")
                        ),
                    }
                    for parameter in operation.get("parameters", [])
                ],
                "request": _body_schema(operation.get("requestBody")),
                "responses": [
                    {
                        "status": status,
                        "schema": _body_schema(response) or "no body",
                        "is_schema": _body_schema(response) in component_names,
                        "description": response.get("description", ""),
                        "headers": sorted(response.get("headers", {})),
                    }
                    for status, response in sorted(responses.items())
                    if not _is_shared_error(status, response)
                ],
                "errors": [
                    status
                    for status, response in sorted(responses.items())
                    if _is_shared_error(status, response)
                ],
            }
            groups.setdefault(tag, []).append(entry)
            for scope in entry["scopes"]:
                operations_by_scope.setdefault(scope, []).append(entry)
    components = schema.get("components", {}).get("schemas", {})
    schemas = [
        {
            "name": name,
            "description": definition.get("description", ""),
            "description_html": with_code(definition.get("description", "")),
            "fields": [
                {
                    "name": field_name,
                    "type": type_label(field),
                    "required": field_name in definition.get("required", []),
                    "description": with_code(field.get("description", "")),
                }
                for field_name, field in definition.get("properties", {}).items()
            ],
        }
        for name, definition in sorted(components.items())
    ]
    info = schema.get("info", {})
    return {
        "title": info.get("title", "API"),
        "version": info.get("version", ""),
        "description": with_code(info.get("description", "")),
        "openapi": schema.get("openapi", ""),
        "groups": [
            {"tag": tag, "anchor": "tag-" + tag.replace(" ", "-"), "operations": operations}
            for tag, operations in groups.items()
        ],
        "scopes": [
            {"name": scope, "label": label, "operations": operations_by_scope[scope]}
            for scope, label in scope_labels.items()
            if scope in operations_by_scope
        ],
        "unlabelled_scopes": sorted(set(operations_by_scope) - set(scope_labels)),
        "schemas": schemas,
    }


def _is_shared_error(status: str, response: dict[str, Any]) -> bool:
    """The error answers every operation shares (listed once on the page, under Errors)."""
    return status.startswith("4") and _body_schema(response) == "ErrorOut"
