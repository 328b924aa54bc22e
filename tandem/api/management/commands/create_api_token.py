"""Create an API token for a user from the server's shell, e.g. for a first integration or a script:

    python manage.py create_api_token --user ana@example.com --name "CRM sync" --scopes contacts:read,contacts:write

The token is printed once, alone on standard output (so `TOKEN=$(…)` works), and never stored in clear; the
same service as Settings → API tokens creates it, so it is audit-logged and acts within the user's role.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tandem.api import services
from tandem.api.models import ApiScope
from tandem.core.models import User


class Command(BaseCommand):
    help = "Create an API token for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The email address of the user the token acts as.")
        parser.add_argument(
            "--name", required=True, help="What the token is for, e.g. the integration's name."
        )
        parser.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated scopes: " + ", ".join(ApiScope.values) + ".",
        )
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire after this many days.")

    def handle(self, *args, user: str, name: str, scopes: str, expires_in_days: int | None, **options):
        owner = User.objects.filter(email__iexact=user.strip()).first()
        if owner is None:
            raise CommandError(f"There is no user with the email address “{user.strip()}”.")
        if not owner.is_active:
            raise CommandError(f"The user {owner.email} is deactivated; activate them first.")
        chosen = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        unknown = [scope for scope in chosen if scope not in ApiScope.values]
        if unknown:
            raise CommandError(
                f"Unknown scope{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                f"Choose from: {', '.join(ApiScope.values)}."
            )
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
        try:
            token, plain_token = services.create_token(
                actor=owner, name=name, scopes=chosen, expires_at=expires_at
            )
        except ValidationError as error:
            raise CommandError(
                " ".join(message for messages in error.message_dict.values() for message in messages)
            ) from error
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"Created token “{token.name}” (tdm_{token.prefix}…) for {owner.email} with "
            f"{', '.join(token.scopes)}. It is shown only now:"
        )
        self.stdout.write(plain_token)
