from django.utils.functional import SimpleLazyObject

from tandem.core import navigation


def navigation_context(request) -> dict:
    """What the sidebar and the New menu show: the entries apps registered (tandem/core/navigation.py) that
    exist and that the user may open. Lazy: htmx fragments that do not draw the shell pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    view_name = getattr(match, "view_name", "") or ""
    create_entries = SimpleLazyObject(lambda: navigation.create_entries_for(user))
    return {
        "nav_sections": SimpleLazyObject(lambda: navigation.sections_for(user, view_name)),
        "nav_create": create_entries,
        # The same entries by key, for pages that offer one of them ("Add a contact" on an empty Home).
        "nav_create_by_key": SimpleLazyObject(lambda: {entry.key: entry for entry in create_entries}),
        # Links apps add to the account menu (the notification emails).
        "nav_account": SimpleLazyObject(lambda: navigation.account_entries_for(user)),
    }
