"""What every answer under /api/ shares, whatever produced it: the one error format for 404 and 405 (which
Django and ninja would otherwise answer in HTML or plain text), and the rate-limit headers.

The API's URL patterns are wrapped here rather than in a middleware, so nothing outside /api/ is touched.
"""

import functools
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from django.views.decorators.csrf import csrf_exempt

from tandem.api.errors import error_body

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def error_response(status: int, code: str, message: str) -> HttpResponse:
    return JsonResponse(error_body(code, message), status=status, content_type=JSON_CONTENT_TYPE)


def add_rate_limit_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """RateLimit-Limit / -Remaining / -Reset on every answer to an authenticated request (successes, errors
    and 429 alike); the state was put on the request by the token check (tandem.api.auth)."""
    state = getattr(request, "api_rate_limit", None)
    if state is not None:
        for name, value in state.headers().items():
            response[name] = value
    return response


def _method_not_allowed(response: HttpResponse) -> HttpResponse:
    allowed = response.get("Allow", "")
    answer = error_response(405, "method_not_allowed", f"This path accepts only: {allowed}.")
    answer["Allow"] = allowed
    return answer


def _wrap(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            # Ninja's root view (/api/v1/) raises it; the operations answer their own 404s.
            response = not_found(request)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = _method_not_allowed(response)
        return add_rate_limit_headers(request, response)

    return wrapped


def wrap_patterns(patterns: list) -> list:
    """The API's URL patterns with every view wrapped (in place: ninja builds them fresh for us)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _wrap(pattern.callback)
        elif isinstance(pattern, URLResolver):
            wrap_patterns(pattern.url_patterns)
    return patterns


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any path under /api/ that no operation answers, with any method: a 404 in the one error format."""
    return error_response(404, "not_found", "There is no API operation at this path.")
