"""One error format for every API answer that is not a success:

    {"error": {"code": "validation_error", "message": "…", "fields": {"email": "…"}}}

Each exception the endpoints can meet is turned into that shape here, and every operation declares these
responses in the OpenAPI document (ERROR_RESPONSES), so clients and schemathesis can rely on them.
"""

import math
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from tandem.core.pagination import InvalidCursor

ErrorCode = Literal[
    "validation_error",
    "not_found",
    "method_not_allowed",
    "forbidden",
    "unauthorized",
    "rate_limited",
    "bad_request",
    "precondition_failed",
]

# Request validation (ours and the services') answers 400: one status for "your input is wrong".
ERROR_STATUSES = frozenset({400, 401, 403, 404, 429})


class ErrorDetail(Schema):
    code: ErrorCode
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class ErrorOut(Schema):
    error: ErrorDetail


def responses(success: dict[int, Any]) -> dict:
    """An operation's documented responses: its successes plus the shared error statuses."""
    return {**success, ERROR_STATUSES: ErrorOut}


class RateLimited(Exception):
    def __init__(self, retry_after: float, state: Any = None) -> None:
        super().__init__("Too many requests.")
        self.retry_after = max(1, math.ceil(retry_after))
        self.state = state  # tandem.api.auth.RateLimitState, for the RateLimit-* headers


class MissingScope(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(f"This token does not have the {scope} scope.")
        self.scope = scope


class BadRequest(Exception):
    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(location: tuple | list) -> str:
    parts = [str(part) for part in location]
    # Ninja reports ("body", "<parameter name>", "email") or ("query", "limit"): clients know fields by name.
    if parts[:1] == ["body"]:
        parts = parts[2:] or parts[1:]
    elif parts[:1] in (["query"], ["path"], ["header"]):
        parts = parts[1:]
    return ".".join(parts) or "body"


def ninja_validation_fields(errors: list[dict]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in errors:
        name = _field_name(item.get("loc", ()))
        if item.get("type") == "extra_forbidden":
            message = f"“{name}” cannot be set here."
        else:
            message = str(item.get("msg", "Invalid value."))
        fields.setdefault(name, message)
    return fields


def django_validation_fields(error: DjangoValidationError) -> tuple[str, dict[str, str]]:
    if hasattr(error, "error_dict"):
        # Named as the client sent them: the record routers rename the services' names (owner -> owner_id).
        fields = {name: messages[0] for name, messages in error.message_dict.items() if messages}
        return "Some fields are not valid.", fields
    return (error.messages[0] if error.messages else "The request is not valid."), {}


def install(api) -> None:
    """Replace ninja's default handlers with ours."""

    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def on_ninja_validation(request, exc: NinjaValidationError):
        return respond(
            request,
            400,
            error_body("validation_error", "Some fields are not valid.", ninja_validation_fields(exc.errors)),
        )

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc: DjangoValidationError):
        message, fields = django_validation_fields(exc)
        return respond(request, 400, error_body("validation_error", message, fields))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return respond(request, 404, error_body("not_found", "Not found."))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc):
        return respond(request, 403, error_body("forbidden", str(exc) or "You may not do this."))

    @api.exception_handler(MissingScope)
    def on_missing_scope(request, exc: MissingScope):
        return respond(request, 403, error_body("forbidden", str(exc)))

    @api.exception_handler(AuthenticationError)
    def on_unauthorized(request, exc):
        response = respond(
            request,
            401,
            error_body(
                "unauthorized",
                "Send a valid API token: Authorization: Bearer tdm_… (it may be revoked or expired).",
            ),
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(RateLimited)
    def on_rate_limited(request, exc: RateLimited):
        response = respond(
            request,
            429,
            error_body("rate_limited", f"Too many requests. Try again in {exc.retry_after} seconds."),
        )
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(MultiPartParserError)
    def on_unreadable_form(request, exc):
        # E.g. multipart/form-data without its boundary: the body cannot be split into fields.
        return respond(
            request,
            400,
            error_body(
                "bad_request",
                "The request body is not a readable multipart form: send Content-Type: multipart/form-data "
                "with its boundary (HTTP clients add it when given the fields and the file).",
            ),
        )

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        return respond(request, 400, error_body("bad_request", "The request body is too large."))

    @api.exception_handler(TooManyFieldsSent)
    def on_too_many_fields(request, exc):
        return respond(request, 400, error_body("bad_request", "The request has too many fields."))

    @api.exception_handler(InvalidCursor)
    def on_invalid_cursor(request, exc):
        return respond(request, 400, error_body("bad_request", str(exc), {"cursor": str(exc)}))

    @api.exception_handler(BadRequest)
    def on_bad_request(request, exc: BadRequest):
        return respond(request, 400, error_body("bad_request", str(exc), exc.fields))

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        codes = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            429: "rate_limited",
        }
        status = exc.status_code if exc.status_code in codes else 400
        return respond(request, status, error_body(codes[status], str(exc)))
