from django.conf import settings
from django.shortcuts import redirect
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
