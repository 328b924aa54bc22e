"""Who may use the mail pages. Mail settings, identities and the whole mailbox are for admins (the `mail`
object type, registered from MailConfig.ready()); everyone else reads only the messages they sent themselves
(Message.sender), and only in the mailbox."""

from django.core.exceptions import PermissionDenied

from tandem.core import access
from tandem.core.access import Scope, Verb
from tandem.core.models import Role

OBJECT_TYPE = "mail"

E, N = Scope.EVERYTHING, Scope.NONE


def register() -> None:
    access.register_object_type(OBJECT_TYPE, {Role.ADMIN: access.grants(E, E, E, E)})


def can_manage(user) -> bool:
    """Whether `user` may change mail settings and identities, and read and act on every message."""
    return access.allows(user, OBJECT_TYPE, Verb.CHANGE)


def require_manage(user) -> None:
    if not can_manage(user):
        raise PermissionDenied("Only admins can manage mail settings, sending identities and the mailbox.")
