from tandem.core import access
from tandem.core.access import Verb


def navigation(request) -> dict:
    """What the sidebar shows: only hubs and pages that exist and that the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can": {
            "contacts": access.allows(user, "contact", Verb.VIEW),
            "companies": access.allows(user, "company", Verb.VIEW),
            "create_contact": access.allows(user, "contact", Verb.CREATE),
            "create_company": access.allows(user, "company", Verb.CREATE),
            "properties": access.allows(user, "property", Verb.CHANGE),
            "audit": access.allows(user, "audit", Verb.VIEW),
            "users": access.allows(user, "user", Verb.CHANGE),
        }
    }
