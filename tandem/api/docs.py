"""Turn the OpenAPI document into what the docs page lists: operations grouped by tag, with their
parameters, request and response schemas, and every schema's fields. Read-only; no business nouns."""

from typing import Any

METHOD_ORDER = ["get", "post", "put", "patch", "delete"]


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


def reference(schema: dict[str, Any]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHOD_ORDER:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": operation.get("operationId", f"{method}-{path}"),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    # Scopes follow the tag: reads need <tag>:read, everything else <tag>:write.
                    "scope": f"{tag}:{'read' if method == 'get' else 'write'}",
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "location": parameter.get("in", ""),
                            "required": parameter.get("required", False),
                            "type": type_label(parameter.get("schema")),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "request": _body_schema(operation.get("requestBody")),
                    "responses": [
                        {
                            "status": status,
                            "schema": _body_schema(response) or "no body",
                            "description": response.get("description", ""),
                        }
                        for status, response in sorted(operation.get("responses", {}).items())
                    ],
                }
            )
    components = schema.get("components", {}).get("schemas", {})
    schemas = [
        {
            "name": name,
            "description": definition.get("description", ""),
            "fields": [
                {
                    "name": field_name,
                    "type": type_label(field),
                    "required": field_name in definition.get("required", []),
                    "description": field.get("description", ""),
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
        "description": info.get("description", ""),
        "openapi": schema.get("openapi", ""),
        "groups": [{"tag": tag, "operations": operations} for tag, operations in groups.items()],
        "schemas": schemas,
    }
