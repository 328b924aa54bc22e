"""The public area's views: one dispatcher for every signed link, the brand stylesheet, and a 404 for any
other /p/ address. All are csrf_exempt, deliberately (see `link`)."""

import re

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from tandem.brand.selectors import brand_context
from tandem.public import pages, registry, services, throttle

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
SAFE_FONT_STACK = re.compile(r"[A-Za-z0-9 ,'\"-]+")


def _too_many(request, limited: throttle.Limited):
    return pages.error_page(
        request,
        title="Too many requests",
        message="This address was asked for too often from your network. Please wait a moment.",
        status=429,
        retry_after=limited.retry_after,
    )


def _origin_refused(request) -> bool:
    """A POST whose Origin names another site. Browsers send "null" (or nothing) for our own pages' forms,
    because the public area's Referrer-Policy is no-referrer; a real foreign origin means another site's
    page is posting here."""
    origin = request.headers.get("Origin", "")
    if origin in ("", "null"):
        return False
    return origin != f"{request.scheme}://{request.get_host()}" and origin != settings.SITE_URL


# CSRF: Django's check needs a cookie, and public pages set none. It is also not the threat here: CSRF rides
# on ambient authority (a session cookie the browser adds), and a public link has none: the token in the URL
# is the whole credential. A foreign page could only post a token it already knows, which it could post
# itself. So the token in the form's URL is the protection, plus the Origin check above (a cheap refusal of
# posts made from another site's page); an embeddable form will name its allowed origins the same way.
@csrf_exempt
def link(request, purpose: str, token: str):
    """Every signed link: rate limit per IP and purpose, resolve the token, then the purpose's `show` on GET
    (nothing changes but last_opened_at) or its `act` on POST (in one transaction, a single-use link spent
    first, so it acts once)."""
    entry = registry.get(purpose)
    limited = throttle.check(
        request,
        scope=purpose if entry else "unknown",
        limit=(entry.rate_limit if entry and entry.rate_limit else settings.TANDEM_PUBLIC_RATE_LIMIT),
    )
    if limited:
        return _too_many(request, limited)
    if entry is None:
        return _not_found_page(request)
    if request.method not in ("GET", "HEAD", "POST") or (request.method == "POST" and entry.act is None):
        response = pages.error_page(
            request,
            title="This page cannot do that",
            message="Open the link from the message you received and use the button on the page.",
            status=405,
        )
        response["Allow"] = "GET, HEAD, POST" if entry.act else "GET, HEAD"
        return response
    try:
        found = services.resolve(token, purpose)
        if request.method != "POST":
            services.note_opened(link=found)
            return entry.show(request, found)
        if _origin_refused(request):
            return pages.error_page(
                request,
                title="This form was sent from another site",
                message="Open the link from the message you received and use the button on that page.",
                status=403,
            )
        with transaction.atomic():
            if found.single_use:
                services.spend_link(link=found)
            return entry.act(request, found)
    except services.LinkError as problem:
        return pages.error_page(request, title=problem.title, message=problem.message, status=problem.status)


@csrf_exempt
def not_found(request, rest: str = ""):
    limited = throttle.check(request, scope="unknown", limit=settings.TANDEM_PUBLIC_RATE_LIMIT)
    if limited:
        return _too_many(request, limited)
    return _not_found_page(request)


def _not_found_page(request):
    problem = services.UnknownLink()
    return pages.error_page(request, title="This page does not exist", message=problem.message, status=404)


@require_GET
def brand_stylesheet(request):
    """The brand kit's colours and fonts as CSS custom properties: the policy forbids inline styles, so the
    kit reaches public pages as a same-origin stylesheet. Every value is checked against its expected shape;
    anything else falls back to the product's default, so a kit value can never break out of the rule."""
    brand = brand_context(absolute_base_url="")
    colours = brand["colours"]

    def colour(value: str, fallback: str) -> str:
        return value if HEX_COLOUR.fullmatch(value or "") else fallback

    def font(value: str) -> str:
        return value if SAFE_FONT_STACK.fullmatch(value or "") else "system-ui, sans-serif"

    css = (
        ":root {\n"
        f"  --public-primary: {colour(colours['primary'], '#3d4fd1')};\n"
        f"  --public-on-primary: {colour(colours['text_on_primary'], '#ffffff')};\n"
        f"  --public-accent: {colour(colours['accent'], '#13795b')};\n"
        f"  --public-heading-font: {font(brand['fonts']['heading'])};\n"
        f"  --public-body-font: {font(brand['fonts']['body'])};\n"
        "}\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    # The page links it with ?v=<kit version>, so a saved kit is a new URL.
    response["Cache-Control"] = "public, max-age=86400"
    return response
