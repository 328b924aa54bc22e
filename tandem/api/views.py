"""The API token settings page, and the API docs page rendered on the server from the OpenAPI schema."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tandem.api import docs, selectors, services
from tandem.api.forms import TokenForm
from tandem.api.models import ApiScope
from tandem.api.v1 import api


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """List my tokens and create one. A new token is shown in this response only (never stored in clear)."""
    form = TokenForm(request.POST or None)
    plain_token = None
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            new_token, plain_token = services.create_token(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                request=request,
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "tokens": selectors.own_tokens(request.user),
        "other_tokens": selectors.other_users_tokens(request.user),
        "plain_token": plain_token,
        "new_token": new_token,
    }
    return render(request, "api/token_list.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = selectors.revocable_token(request.user, token_id)
    if token is None:
        raise Http404("No such token.")
    services.revoke_token(actor=request.user, token=token, request=request)
    messages.success(request, f"Token “{token.name}” revoked. Requests with it are refused from now on.")
    return redirect("api:token_list")


def api_docs(request):
    """The API reference, from the same schema as /api/v1/openapi.json; no third-party script or CDN."""
    schema = api.get_openapi_schema()
    reference = docs.reference(schema, scope_labels=dict(ApiScope.choices))
    return render(request, "api/docs.html", {"reference": reference, "api_prefix": docs.API_PREFIX})
