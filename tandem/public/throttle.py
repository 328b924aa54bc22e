"""Per-IP rate limits for the public area, counted in the shared cache like the API's per-token limit
(tandem/api/auth.py): a fixed one-minute window per (client IP, purpose)."""

import math
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Limited:
    """The client is over its limit; `retry_after` is whole seconds until the window resets."""

    retry_after: int


def client_ip(request) -> str:
    """The client's address as the login throttle sees it: allauth's adapter, which honours
    ALLAUTH_TRUSTED_PROXY_COUNT (TANDEM_TRUSTED_PROXY_COUNT in the environment) and otherwise uses
    REMOTE_ADDR, so a forged X-Forwarded-For is ignored unless a proxy is configured."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def check(request, *, scope: str, limit: int) -> Limited | None:
    """Count this request against `scope` for the client's IP; a Limited past `limit` in the window."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"tandem:public-rate:{scope}:{client_ip(request)}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr (a window edge): this request opens the new count.
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    if count > limit:
        return Limited(retry_after=max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)))
    return None
