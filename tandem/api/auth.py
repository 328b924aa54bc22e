"""Bearer-token authentication for the API, with the per-token rate limit and the scope check.

Every operation names the scope it needs (`TokenAuth("contacts:read")`); the token's user is then the
actor for the access helpers, so a token never does more than its user's role allows.
"""

import time

from django.conf import settings
from django.core.cache import cache
from ninja.security import HttpBearer

from tandem.api.errors import MissingScope, RateLimited
from tandem.api.models import ApiToken
from tandem.api.services import authenticate_token

RATE_WINDOW_SECONDS = 60


def check_rate_limit(token: ApiToken) -> None:
    """A fixed one-minute window per token, counted in the shared cache (Redis when several web nodes)."""
    limit = settings.TANDEM_API_RATE_LIMIT
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"tandem:api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr (a window edge): this request opens the new count.
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
        count = 1
    if count > limit:
        raise RateLimited(retry_after=(window + 1) * RATE_WINDOW_SECONDS - now)


class TokenAuth(HttpBearer):
    def __init__(self, *scopes: str) -> None:
        # Several scopes: any one passes, for operations whose object type (contact or company) is known
        # only from the request; the operation then checks that type's own scope.
        super().__init__()
        self.scopes = scopes
        self.scope = " or ".join(scopes)

    def authenticate(self, request, token: str) -> ApiToken | None:
        api_token = authenticate_token(token.strip())
        if api_token is None:
            return None
        check_rate_limit(api_token)
        if not self.permits(api_token.scopes):
            raise MissingScope(self.scope)
        # The token's user is the actor of everything this request does.
        request.user = api_token.user
        return api_token

    def permits(self, scopes: list[str]) -> bool:
        return any(scope in scopes for scope in self.scopes)
