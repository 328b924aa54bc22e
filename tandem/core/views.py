"""Settings pages: users and teams, the audit log, and the error pages. Thin: parse, call one service or
selector, render."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core import access, navigation, selectors, services
from tandem.core.access import Verb
from tandem.core.display import sentence
from tandem.core.forms import AuditFilterForm, TeamForm, UserAccessForm, UserCreateForm
from tandem.core.models import Team, User
from tandem.core.pagination import InvalidCursor


@login_required
@require_GET
def home(request):
    # Home is one page at "/": the app that registered it (insights' dashboard; core may not import it)
    # serves it here, so login, the brand and the sidebar all lead to the same address.
    view = navigation.home_view()
    if view is None:
        return render(request, "core/home.html")
    return view(request)


def _add_errors(form, error: ValidationError) -> None:
    for name, messages_for_field in error.message_dict.items():
        for message in messages_for_field:
            form.add_error(name if name in form.fields else None, message)


@login_required
@require_GET
def user_list(request):
    access.require_allowed(request.user, "user", Verb.CHANGE)
    return render(request, "core/users.html", {"users": selectors.user_list(), "tab": "users"})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    access.require_allowed(request.user, "user", Verb.CHANGE)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, sentence("{} can now log in with the initial password.", user.display_name)
            )
            return redirect("core:user_list")
    return render(request, "core/user_create.html", {"form": form, "tab": "users"})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id: int):
    access.require_allowed(request.user, "user", Verb.CHANGE)
    person = get_object_or_404(User.objects.select_related("team"), pk=user_id)
    form = UserAccessForm(request.POST or None, initial={"role": person.role, "team": person.team})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_user_access(
                actor=request.user,
                user=person,
                role=form.cleaned_data["role"],
                team=form.cleaned_data["team"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, sentence("Saved the role and team of {}.", person.display_name))
            return redirect("core:user_list")
    return render(
        request,
        "core/user_edit.html",
        {"person": person, "form": form, "has_totp": selectors.user_has_totp(person), "tab": "users"},
    )


@login_required
@require_POST
def user_set_active(request, user_id: int):
    access.require_allowed(request.user, "user", Verb.CHANGE)
    person = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.set_user_active(actor=request.user, user=person, active=active, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        verb = "reactivated" if active else "deactivated"
        messages.success(request, sentence("{} is " + verb + ".", person.display_name))
    return redirect("core:user_edit", user_id=person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request):
    access.require_allowed(request.user, "user", Verb.CHANGE)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(actor=request.user, name=form.cleaned_data["name"], request=request)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, sentence("Team “{}” created.", team.name))
            return redirect("core:team_list")
    return render(request, "core/teams.html", {"teams": selectors.team_list(), "form": form, "tab": "teams"})


@login_required
@require_POST
def team_rename(request, team_id: int):
    access.require_allowed(request.user, "user", Verb.CHANGE)
    team = get_object_or_404(Team, pk=team_id)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            services.rename_team(
                actor=request.user, team=team, name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, sentence("Team renamed to “{}”.", form.cleaned_data["name"]))
    else:
        messages.error(request, "Give the team a name.")
    return redirect("core:team_list")


@login_required
@require_GET
def audit_log(request):
    access.require_allowed(request.user, "audit", Verb.VIEW)
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.AuditFilters(
            actor_id=data["actor"].pk if data["actor"] else None,
            content_type_id=data["object_type"].pk if data["object_type"] else None,
            action=int(data["action"]) if data["action"] not in (None, "") else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    try:
        page = selectors.audit_page(filters, cursor=request.GET.get("cursor") or None)
    except InvalidCursor as error:
        messages.error(request, str(error))
        return redirect("core:audit_log")
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "filter_query": query.urlencode(), "filtered": bool(query)},
    )


# --- error pages ----------------------------------------------------------------------------------
# Django calls these (config/urls.py names them) instead of its bare defaults: the page keeps the app shell
# for people who are signed in, a plain branded page otherwise. Under /api/ the API answers errors in its
# own format: its exception handlers answer there before Django gets to these.

_logger = logging.getLogger(__name__)


def _error_page(request, status: int, context: dict) -> HttpResponse:
    return HttpResponse(loader.render_to_string(f"{status}.html", context, request), status=status)


def permission_denied(request, exception=None):
    # PermissionDenied("…") carries the app's own explanation ("Only admins can …"): show it.
    message = str(exception) if exception is not None and str(exception) else ""
    return _error_page(request, 403, {"message": message})


def page_not_found(request, exception=None):
    return _error_page(request, 404, {})


def server_error(request):
    # The shell reads the database (the user, the navigation) and the fault may be the database itself: try
    # the page with the shell, and fall back to the plain page with no request context at all.
    try:
        return _error_page(request, 500, {})
    except Exception:  # noqa: BLE001 (whatever broke the page must not also break its error page)
        _logger.warning(
            "The 500 page could not render with the app shell; showing the plain one.", exc_info=True
        )
        return HttpResponseServerError(loader.render_to_string("500.html", {"bare_layout": True}))


def csrf_failure(request, reason: str = ""):
    """A form sent after its page went stale (the session changed, cookies were cleared): say so plainly."""
    return _error_page(request, 403, {"csrf_failure": True})
