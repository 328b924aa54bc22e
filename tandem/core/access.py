"""Who may do what: one policy table and the helpers every view, export and API endpoint goes through.

A role grants each verb on each object type at one scope: everything, the user's team, what the user
owns, or nothing. Lists are scoped with `scope_queryset`; single objects are fetched with
`get_object_or_deny` and checked with `can`, which apply the same rule. Models opt in by naming their
`access_object_type` and having `owner` and `team` foreign keys.
"""

from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from tandem.core.models import Role

if TYPE_CHECKING:
    from tandem.core.models import User

ModelT = TypeVar("ModelT", bound=models.Model)


class Scope(Enum):
    EVERYTHING = "everything"
    TEAM = "team"
    OWNED = "owned"
    NONE = "none"


class Verb:
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    ALL = (VIEW, CREATE, CHANGE, DELETE)


E, T, OWN, N = Scope.EVERYTHING, Scope.TEAM, Scope.OWNED, Scope.NONE


def _grants(view: Scope, create: Scope, change: Scope, delete: Scope) -> dict[str, Scope]:
    return {Verb.VIEW: view, Verb.CREATE: create, Verb.CHANGE: change, Verb.DELETE: delete}


# role -> object type -> verb -> scope. Record types (contact, company, later deal, ticket, quote) use
# ownership; settings types (property, audit, user, team) are everything-or-nothing.
POLICY: dict[str, dict[str, dict[str, Scope]]] = {
    Role.ADMIN: {
        "contact": _grants(E, E, E, E),
        "company": _grants(E, E, E, E),
        "property": _grants(E, E, E, E),
        "audit": _grants(E, N, N, N),
        "user": _grants(E, E, E, E),
    },
    Role.MARKETING: {
        "contact": _grants(E, E, E, T),
        "company": _grants(E, E, E, T),
        "property": _grants(E, N, N, N),
        "audit": _grants(N, N, N, N),
        "user": _grants(E, N, N, N),
    },
    Role.SALES: {
        "contact": _grants(E, E, T, OWN),
        "company": _grants(E, E, T, OWN),
        "property": _grants(E, N, N, N),
        "audit": _grants(N, N, N, N),
        "user": _grants(E, N, N, N),
    },
    Role.SERVICE: {
        "contact": _grants(E, E, T, N),
        "company": _grants(E, N, T, N),
        "property": _grants(E, N, N, N),
        "audit": _grants(N, N, N, N),
        "user": _grants(E, N, N, N),
    },
    Role.READ_ONLY: {
        "contact": _grants(T, N, N, N),
        "company": _grants(T, N, N, N),
        "property": _grants(E, N, N, N),
        "audit": _grants(N, N, N, N),
        "user": _grants(E, N, N, N),
    },
}


def register_object_type(object_type: str, grants: dict[str, dict[str, Scope]]) -> None:
    """Add a record type's row to the policy table: `grants` maps each role to its verb -> scope grants
    (`_grants`-shaped; a role left out gets nothing). Called from the owning app's AppConfig.ready(), so that
    a hub brings its own rules and core never names the hub's types. Registering a type twice with other
    grants is refused: two apps must not both decide who sees a deal."""
    unknown = set(grants) - set(POLICY)
    if unknown:
        raise ValueError(f"Unknown roles for {object_type}: {', '.join(sorted(unknown))}.")
    for role, table in POLICY.items():
        wanted = {verb: grants.get(role, {}).get(verb, Scope.NONE) for verb in Verb.ALL}
        if table.setdefault(object_type, wanted) != wanted:
            raise ValueError(f"The object type {object_type!r} is already registered with other grants.")


def grants(view: Scope, create: Scope, change: Scope, delete: Scope) -> dict[str, Scope]:
    """One role's grants on a type, for register_object_type."""
    return _grants(view, create, change, delete)


def scope_for(user: "User", object_type: str, verb: str) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope.NONE
    return POLICY.get(user.role, {}).get(object_type, {}).get(verb, Scope.NONE)


def _object_type(model: type[models.Model]) -> str:
    object_type = getattr(model, "access_object_type", None)
    if object_type is None:
        raise TypeError(f"{model.__name__} does not declare access_object_type")
    return object_type


def _scope_filter(user: "User", scope: Scope, through: str = "") -> models.Q | None:
    """The row filter for a scope; None means no row qualifies. `through` names a relation ("contact")
    when the rows to filter are not the records themselves but rows pointing at them."""
    prefix = f"{through}__" if through else ""
    if scope is Scope.EVERYTHING:
        return models.Q()
    if scope is Scope.TEAM:
        # A user without a team is a team of one: they reach what they own.
        if user.team_id is None:
            return models.Q(**{f"{prefix}owner_id": user.pk})
        return models.Q(**{f"{prefix}team_id": user.team_id})
    if scope is Scope.OWNED:
        return models.Q(**{f"{prefix}owner_id": user.pk})
    return None


def scope_queryset(user: "User", verb: str, queryset: models.QuerySet[ModelT]) -> models.QuerySet[ModelT]:
    """Narrow a queryset to the rows `user` may `verb`."""
    condition = _scope_filter(user, scope_for(user, _object_type(queryset.model), verb))
    if condition is None:
        return queryset.none()
    return queryset.filter(condition)


def related_condition(user: "User", verb: str, model: type[models.Model], through: str) -> models.Q:
    """A filter on rows that point at a `model` record through the relation `through` (e.g. activities
    through "contact"): the rows whose record `user` may `verb`. The same rule as `scope_queryset`, written
    as a join condition so an aggregated list (a company's timeline) is filtered in one query."""
    condition = _scope_filter(user, scope_for(user, _object_type(model), verb), through)
    # No scope at all: no row qualifies (an empty IN, which Django turns into a false condition).
    return models.Q(pk__in=[]) if condition is None else condition


def _reaches(user: "User", scope: Scope, owner_id: int | None, team_id: int | None) -> bool:
    """Whether a scope covers a record with this owner and team (the rule `_scope_filter` writes in SQL)."""
    if scope is Scope.EVERYTHING:
        return True
    if scope is Scope.NONE:
        return False
    if scope is Scope.OWNED or user.team_id is None:
        return owner_id is not None and owner_id == user.pk
    return team_id == user.team_id


def can(user: "User", verb: str, obj: models.Model) -> bool:
    """Whether `user` may `verb` this one object, by the same rule as `scope_queryset`."""
    scope = scope_for(user, _object_type(type(obj)), verb)
    return _reaches(user, scope, getattr(obj, "owner_id", None), getattr(obj, "team_id", None))


# What a user may not do in one step they may not do in two. Giving a record a new owner moves it to the
# owner's team, and that can widen what the user who made the change may do with it: a sales user who may
# delete only their own contacts could take a teammate's contact and then delete it. So a reassignment is
# allowed only when it grants the actor nothing new: for every verb the record under its new owner would
# allow them, they must already be allowed it on the record as it stands. Reassigning within what one may
# already do (an admin anywhere, a marketer inside their team, anyone giving their own record away) is
# unaffected. Single updates, merges and bulk assignment all ask these two helpers.
REASSIGNMENT_VERBS = (Verb.VIEW, Verb.CHANGE, Verb.DELETE)


def _widened_verbs(user: "User", object_type: str, new_owner: "User | None") -> list[str]:
    """The verbs a record owned by `new_owner` would allow `user` (for which the old state must, too)."""
    owner_id = new_owner.pk if new_owner is not None else None
    team_id = new_owner.team_id if new_owner is not None else None
    return [
        verb
        for verb in REASSIGNMENT_VERBS
        if _reaches(user, scope_for(user, object_type, verb), owner_id, team_id)
    ]


def can_reassign(user: "User", obj: models.Model, new_owner: "User | None") -> bool:
    """Whether `user` may give `obj` to `new_owner`: they may change it, and the move grants them nothing
    they may not already do with it (see REASSIGNMENT_VERBS above)."""
    if not can(user, Verb.CHANGE, obj):
        return False
    return all(can(user, verb, obj) for verb in _widened_verbs(user, _object_type(type(obj)), new_owner))


def scope_reassignable(
    user: "User", queryset: models.QuerySet[ModelT], new_owner: "User | None"
) -> models.QuerySet[ModelT]:
    """The rows of `queryset` that `user` may give to `new_owner`, by the rule of `can_reassign`, as one
    filter: the rows they may change, narrowed by each verb the new owner would grant them."""
    queryset = scope_queryset(user, Verb.CHANGE, queryset)
    for verb in _widened_verbs(user, _object_type(queryset.model), new_owner):
        queryset = scope_queryset(user, verb, queryset)
    return queryset


def can_create(user: "User", object_type: str) -> bool:
    return scope_for(user, object_type, Verb.CREATE) is not Scope.NONE


def allows(user: "User", object_type: str, verb: str) -> bool:
    """Whether the role grants the verb on the type at any scope (for showing buttons and menus)."""
    return scope_for(user, object_type, verb) is not Scope.NONE


def require(user: "User", verb: str, obj: models.Model) -> None:
    if not can(user, verb, obj):
        raise PermissionDenied(f"You may not {verb} this {_object_type(type(obj))}.")


def require_allowed(user: "User", object_type: str, verb: str) -> None:
    if not allows(user, object_type, verb):
        raise PermissionDenied(f"You may not {verb} {object_type} records.")


def get_object_or_deny(user: "User", verb: str, queryset: models.QuerySet[ModelT], **lookup: Any) -> ModelT:
    """Fetch one object for `verb`: 404 if the user may not even see it, 403 if they see it but may not act."""
    try:
        obj = scope_queryset(user, Verb.VIEW, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("Not found.") from error
    if verb != Verb.VIEW:
        require(user, verb, obj)
    return obj
