"""The OpenAPI document's parts that ninja cannot derive from the operations: the response headers every
client relies on (rate limits, Retry-After, WWW-Authenticate, Content-Disposition), declared on exactly
the responses that carry them."""

from typing import Any

from ninja import NinjaAPI

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
    if status == 200 and operation_id == "downloadExport":
        headers["Content-Disposition"] = _header(
            'attachment; filename="…": the name to save the file under.', {"type": "string"}
        )
    return headers


class TandemAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    headers = response_headers(int(status), operation.get("operationId", ""))
                    response["headers"] = {**headers, **response.get("headers", {})}
        return schema
