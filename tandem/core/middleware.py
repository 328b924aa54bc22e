from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.core.models import Role

# Paths an admin without TOTP may still reach: the MFA set-up itself, logout and static files.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/api/")


class RequireMultiFactorMiddleware:
    """When TANDEM_REQUIRE_MFA_FOR_ADMINS is on, an admin must activate TOTP before using the app."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.TANDEM_REQUIRE_MFA_FOR_ADMINS
            and user is not None
            and user.is_authenticated
            and user.role == Role.ADMIN
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not _has_totp(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class UnreadableUploadMiddleware:
    """A page POST declared as multipart/form-data without its boundary cannot be split into fields: Django
    raised in the CSRF check and answered 500 with a traceback in the demo, a bare 400 in production. Answer a
    400 page that says what to do instead, before anything reads the body. The API answers in its own error
    format (tandem.api), so /api/ is left to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        content_type = request.META.get("CONTENT_TYPE", "")
        if (
            request.method in ("POST", "PUT", "PATCH")
            and content_type.lower().startswith("multipart/form-data")
            and "boundary=" not in content_type.lower()
            and not request.path.startswith("/api/")
        ):
            return render(request, "core/unreadable_upload.html", status=400)
        return self.get_response(request)
