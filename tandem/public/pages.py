"""Rendering public pages: the brand kit's look and the strict security policy every public response gets.

The policy is built here and set by PublicAreaMiddleware on every /p/ response, so django-csp (which leaves a
response that already has the header alone) never applies the app's looser one. A page may widen three things
with `render(..., policy=Policy(...))`: who may frame it (embeddable forms), which same-origin scripts it runs,
and whether search engines may index it. Nothing else is negotiable.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.utils import timezone

from tandem.brand.selectors import brand_context


@dataclass(frozen=True)
class Policy:
    # Origins allowed to frame the page ("https://www.example.com"); empty: nobody ('none').
    frame_ancestors: tuple[str, ...] = ()
    # Same-origin script paths the page declares (e.g. "/static/tandem/form.js"); empty: no script at all.
    scripts: tuple[str, ...] = field(default=())
    # X-Robots-Tag: pages behind a secret link stay out of search engines; a hosted form may choose "" later.
    robots: str = "noindex, nofollow"

    def header(self) -> str:
        directives = [
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors " + (" ".join(self.frame_ancestors) if self.frame_ancestors else "'none'"),
        ]
        if self.scripts:
            directives.insert(1, "script-src " + " ".join(self.scripts))
        return "; ".join(directives)


STRICT = Policy()


def render(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    status: int = 200,
    policy: Policy = STRICT,
) -> HttpResponse:
    """Render a template extending public/base.html with the brand kit as `brand`; the response carries
    `policy`. Logo and styles are relative URLs: the policy allows this origin only."""
    brand = brand_context(absolute_base_url="")
    # The kit's form checks the website's address; an old or hand-edited row must still never link a script.
    if not brand["website_url"].lower().startswith(("https://", "http://")):
        brand["website_url"] = ""
    page_context = {"brand": brand, **(context or {})}
    response = django_render(request, template, page_context, status=status)
    response.public_policy = policy
    return response


def error_page(
    request: HttpRequest, *, title: str, message: str, status: int, retry_after: int | None = None
) -> HttpResponse:
    """The public error page (unknown, expired, withdrawn or spent link, too many requests) in the brand look;
    with `retry_after`, also the Retry-After header and the time to come back."""
    response = render(
        request,
        "public/error.html",
        {
            "title": title,
            "message": message,
            "retry_after": retry_after,
            "retry_at": timezone.now() + timedelta(seconds=retry_after) if retry_after else None,
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
