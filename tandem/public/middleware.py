"""What makes /p/ public: no session, no signed-in user, no cookies, strict headers.

Two halves, because Django runs middleware as nested layers:
- PublicAreaMiddleware sits first (outermost): on the way out it drops every Set-Cookie (a session save, a
  CSRF rotation, a message) and sets the security headers, after every other layer has had its say.
- AnonymousPublicMiddleware sits right after AuthenticationMiddleware: it makes request.user anonymous and
  request.session a guard that refuses to be read, so a signed-in person is nobody on a public page and the
  app's session row is never loaded. The real session is put back before SessionMiddleware looks at it, so it
  sees an untouched session and neither saves nor deletes it.
"""

from django.contrib.auth.models import AnonymousUser

PREFIX = "/p/"


def is_public(request) -> bool:
    return request.path_info.startswith(PREFIX)


class SessionGuard:
    """Stands in for request.session on public pages: any use is a programming error, said plainly."""

    def __getattr__(self, name):
        raise RuntimeError("Public pages never read or write the session (tandem.public.middleware).")

    def __getitem__(self, key):
        raise RuntimeError("Public pages never read or write the session (tandem.public.middleware).")

    def __contains__(self, key):
        raise RuntimeError("Public pages never read or write the session (tandem.public.middleware).")


class AnonymousPublicMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public(request):
            return self.get_response(request)
        session = getattr(request, "session", None)
        request.user = AnonymousUser()
        request.session = SessionGuard()
        try:
            return self.get_response(request)
        finally:
            if session is not None:
                request.session = session


class PublicAreaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_public(request):
            return response
        from tandem.public.pages import STRICT

        policy = getattr(response, "public_policy", STRICT)
        response.cookies.clear()
        response["Content-Security-Policy"] = policy.header()
        response["Referrer-Policy"] = "no-referrer"
        if policy.robots:
            response["X-Robots-Tag"] = policy.robots
        response["X-Content-Type-Options"] = "nosniff"
        if policy.frame_ancestors:
            response.headers.pop("X-Frame-Options", None)
        else:
            response["X-Frame-Options"] = "DENY"
        if not response.has_header("Cache-Control"):
            # A page shown for a secret link is not for shared caches.
            response["Cache-Control"] = "no-store"
        return response
