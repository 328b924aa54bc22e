"""What contacts' API does beyond their declaration (the router is built by records.py): a contact needs an
email address or a name, answered in the API's error format before the service is called."""

from tandem.api.errors import BadRequest
from tandem.api.v1.records import Hooks
from tandem.contacts.models import Contact

IDENTIFYING_FIELDS = ("email", "first_name", "last_name")


def require_email_or_name(values: dict, current: Contact | None = None) -> None:
    """The contact form's rule: a contact needs an email address or a name. `values` are the fields sent;
    on a change, the ones not sent keep the contact's current values."""
    merged = {name: values.get(name, getattr(current, name, None)) for name in IDENTIFYING_FIELDS}
    if not any(str(value or "").strip() for value in merged.values()):
        message = "Give an email address, a first name or a last name."
        raise BadRequest(
            "A contact needs an email address or a name.", {name: message for name in IDENTIFYING_FIELDS}
        )


HOOKS = Hooks(check_values=require_email_or_name)
