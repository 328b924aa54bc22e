"""The purposes a public link can have, registered by the app that owns each one (in its AppConfig.ready), so
the public area dispatches to a hub's page without importing the hub.

A purpose has a `show` handler (GET and HEAD: renders a page, changes nothing but the link's last_opened_at)
and, if people act on it, an `act` handler (POST: runs inside one transaction in which a single-use link has
already been spent). Both take (request, link) and return a response, usually from `tandem.public.pages.render`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from tandem.public.models import PublicLink

Handler = Callable[[HttpRequest, PublicLink], HttpResponse]


@dataclass(frozen=True)
class Purpose:
    # The URL segment (/p/<name>/<token>/) and PublicLink.purpose: a slug, stable once links are out.
    name: str
    # What the link is for, in words, for lists of links and the audit.
    label: str
    show: Handler
    act: Handler | None = None
    # Requests per minute per client IP for this purpose; None: settings.TANDEM_PUBLIC_RATE_LIMIT.
    rate_limit: int | None = None


_purposes: dict[str, Purpose] = {}


def register(purpose: Purpose) -> None:
    """Add a purpose. Registering the same name again replaces it (tests register their own)."""
    _purposes[purpose.name] = purpose


def get(name: str) -> Purpose | None:
    return _purposes.get(name)


def unregister(name: str) -> None:
    _purposes.pop(name, None)
