"""Writes on users and teams. Each is atomic and audited; role and team changes are recorded as
permission changes with their diff, and a team change is published so that the user's records follow."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import Role, Team, User

USER_TEAM_CHANGED = "core.user.team_changed"
LAST_ADMIN_MESSAGE = "Tandem needs at least one active admin: make someone else an admin first."


def _require_user_admin(actor: User) -> None:
    if not access.allows(actor, "user", Verb.CHANGE):
        raise PermissionDenied("You may not manage users and teams.")


def _clean_role(role: str, errors: dict[str, str]) -> str:
    if role not in Role.values:
        errors["role"] = "Choose a role."
    return role


def _clean_team(team: Team | int | None, errors: dict[str, str]) -> Team | None:
    if team in (None, ""):
        return None
    if isinstance(team, Team):
        return team
    found = Team.objects.filter(pk=team).first() if str(team).isdigit() else None
    if found is None:
        errors["team"] = "Choose an existing team."
    return found


def _is_last_active_admin(user: User) -> bool:
    """Whether `user` is the only active admin left (checked under a row lock on the admins)."""
    if user.role != Role.ADMIN or not user.is_active:
        return False
    admin_ids = list(
        User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
    )
    return admin_ids == [user.pk]


def _team_name(team_id: int | None) -> str | None:
    if team_id is None:
        return None
    return Team.objects.filter(pk=team_id).values_list("name", flat=True).first()


def create_user(
    *,
    actor: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = Role.READ_ONLY,
    team: Team | int | None = None,
    password: str,
    request=None,
) -> User:
    """Invite a person: an active account with an initial password they should change."""
    _require_user_admin(actor)
    errors: dict[str, str] = {}
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email or "@" not in email:
        errors["email"] = "Enter an email address."
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = "A user with this email address already exists."
    role = _clean_role(role, errors)
    team_object = _clean_team(team, errors)
    candidate = User(email=email, first_name=first_name.strip()[:150], last_name=last_name.strip()[:150])
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = " ".join(error.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email,
                    password,
                    first_name=candidate.first_name,
                    last_name=candidate.last_name,
                    role=role,
                    team=team_object,
                )
        except IntegrityError as error:
            raise ValidationError({"email": "A user with this email address already exists."}) from error
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=user,
            changes={
                "email": [None, user.email],
                "first_name": [None, user.first_name],
                "last_name": [None, user.last_name],
                "role": [None, user.role],
                "team": [None, team_object.name if team_object else None],
            },
            event="user_created",
            request=request,
        )
    return user


def change_user_access(*, actor: User, user: User, role: str, team: Team | int | None, request=None) -> User:
    """Change a user's role and team. Audited as a permission change; the user's records follow the team."""
    _require_user_admin(actor)
    errors: dict[str, str] = {}
    role = _clean_role(role, errors)
    team_object = _clean_team(team, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        new_team_id = team_object.pk if team_object else None
        if role != Role.ADMIN and _is_last_active_admin(user):
            raise ValidationError({"role": LAST_ADMIN_MESSAGE})
        changes: dict[str, list] = {}
        if user.role != role:
            changes["role"] = [user.role, role]
        if user.team_id != new_team_id:
            changes["team"] = [_team_name(user.team_id), team_object.name if team_object else None]
        if not changes:
            return user
        user.role = role
        user.team = team_object
        user.save(update_fields=["role", "team"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=user,
            changes=changes,
            event="permission_changed",
            request=request,
        )
        if "team" in changes:
            publish(USER_TEAM_CHANGED, user_id=user.pk, team_id=new_team_id)
    return user


def set_user_active(*, actor: User, user: User, active: bool, request=None) -> User:
    """Deactivate (cannot log in, keeps their records and history) or reactivate a user."""
    _require_user_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return user
        if not active and _is_last_active_admin(user):
            raise ValidationError({"is_active": LAST_ADMIN_MESSAGE})
        before = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=user,
            changes={"is_active": [before, active]},
            event="user_reactivated" if active else "user_deactivated",
            request=request,
        )
    return user


def _clean_team_name(name: str, team: Team | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name under 100 characters."})
    duplicate = Team.objects.filter(name__iexact=name)
    if team is not None:
        duplicate = duplicate.exclude(pk=team.pk)
    if duplicate.exists():
        raise ValidationError({"name": "A team with this name already exists."})
    return name


def create_team(*, actor: User, name: str, request=None) -> Team:
    _require_user_admin(actor)
    name = _clean_team_name(name, None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                team = Team.objects.create(name=name)
        except IntegrityError as error:
            raise ValidationError({"name": "A team with this name already exists."}) from error
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=team,
            changes={"name": [None, name]},
            event="team_created",
            request=request,
        )
    return team


def rename_team(*, actor: User, team: Team, name: str, request=None) -> Team:
    _require_user_admin(actor)
    name = _clean_team_name(name, team)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        if team.name == name:
            return team
        before = team.name
        team.name = name
        try:
            with transaction.atomic():
                team.save(update_fields=["name"])
        except IntegrityError as error:
            raise ValidationError({"name": "A team with this name already exists."}) from error
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=team,
            changes={"name": [before, name]},
            event="team_renamed",
            request=request,
        )
    return team
