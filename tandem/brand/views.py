"""The brand kit's pages: the settings page, its logo forms, its live email preview, and the logo itself
(public: mail clients fetch it). Thin: parse, call one service or selector, render."""

from csp.decorators import csp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.brand import emails, selectors, services
from tandem.brand.forms import BrandKitForm, LogoForm
from tandem.brand.models import BrandKit
from tandem.contacts.services import StaleRecord
from tandem.core import access
from tandem.core.access import Verb

OBJECT_TYPE = BrandKit.access_object_type
# The logo's URL names its content, so a browser or mail proxy may keep it for a year.
LOGO_CACHE_CONTROL = "public, max-age=31536000, immutable"
# Where the kit is read, honestly: what reads it today and what will later. "Transactional emails" are the
# templates on brand/email/base.* (tandem/brand/templatetags/brand_email.py); 1:1 email reads the name and
# address in tandem/mail/compose/rendering.py.
USES = (
    (
        "Transactional emails",
        "Header, colours, fonts and footer of notification emails, sender confirmations, the relay test "
        "message and password resets.",
        "now",
    ),
    (
        "1:1 emails",
        "Kept personal on purpose: no header or colours, only your name and postal address in one line "
        "under the sender's signature.",
        "now",
    ),
    ("Marketing mail", "Header, footer and the postal address every campaign must carry.", "later"),
    ("Hosted forms", "Lead-capture pages in your colours and fonts.", "later"),
    ("Quote PDFs", "Logo, colours and address on every quote.", "later"),
)


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _page(
    request, form: BrandKitForm, *, kit: BrandKit, stale: bool = False, logo_form: LogoForm | None = None
):
    can_edit = access.allows(request.user, OBJECT_TYPE, Verb.CHANGE)
    context = {
        "form": form,
        "logo_form": logo_form or LogoForm(),
        "kit": kit,
        "brand": selectors.brand_context(absolute_base_url=_base_url(request), kit=kit),
        "can_edit": can_edit,
        "stale": stale,
        "uses": USES,
        "missing_for_marketing": selectors.missing_for_marketing_mail(),
        "preview_query": request.POST.urlencode() if request.method == "POST" else "",
    }
    return render(request, "brand/brand_kit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def brand_kit(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.VIEW)
    kit = selectors.brand_kit()
    if request.method == "GET":
        editable = access.allows(request.user, OBJECT_TYPE, Verb.CHANGE)
        return _page(
            request, BrandKitForm(initial=BrandKitForm.initial_from(kit), editable=editable), kit=kit
        )
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    form = BrandKitForm(request.POST)
    stale = False
    if form.is_valid():
        try:
            services.update_brand_kit(
                actor=request.user,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"] or None,
                request=request,
            )
        except StaleRecord as error:
            # Keep what they typed; the next save compares against the version they have now seen.
            stale = True
            form.data = form.data.copy()
            form.data["version"] = error.current_version
            kit = selectors.brand_kit()
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "The brand kit is saved.")
            return redirect("brand:brand_kit")
    return _page(request, form, kit=kit, stale=stale)


@login_required
@require_POST
def logo_upload(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    logo_form = LogoForm(request.POST, request.FILES)
    if logo_form.is_valid():
        try:
            services.set_logo(actor=request.user, upload=logo_form.cleaned_data["logo"], request=request)
        except ValidationError as error:
            for message in error.message_dict.get("logo", error.messages):
                logo_form.add_error("logo", message)
        else:
            messages.success(request, "The logo is saved.")
            return redirect("brand:brand_kit")
    kit = selectors.brand_kit()
    form = BrandKitForm(initial=BrandKitForm.initial_from(kit))
    return _page(request, form, kit=kit, logo_form=logo_form)


@login_required
@require_POST
def logo_remove(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    services.remove_logo(actor=request.user, request=request)
    messages.success(request, "The logo is removed. Emails show the business name instead.")
    return redirect("brand:brand_kit")


@require_GET
def logo(request, content_hash: str):
    """The logo's PNG, public (recipients' mail clients load it), addressed by its content hash."""
    asked_for_this = request.headers.get("If-None-Match", "").strip() in (
        f'"{content_hash}"',
        f'W/"{content_hash}"',
    )
    if asked_for_this and selectors.brand_kit().logo_hash == content_hash:
        response = HttpResponseNotModified()
        response["ETag"] = f'"{content_hash}"'
        response["Cache-Control"] = LOGO_CACHE_CONTROL
        return response
    png = selectors.logo_png(content_hash)
    if png is None:
        raise Http404("No such logo.")
    response = HttpResponse(png, content_type="image/png")
    response["ETag"] = f'"{content_hash}"'
    response["Cache-Control"] = LOGO_CACHE_CONTROL
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    return response


def _draft_kit(request) -> BrandKit:
    """The saved kit with the page's unsaved input laid over it, for the preview: each value the service
    would accept replaces the saved one; a value it would refuse is left out (the form shows why on save)."""
    kit = selectors.brand_kit()
    for name in BrandKitForm.model_field_names():
        if name not in request.GET:
            continue
        try:
            cleaned = services.clean_changes({name: request.GET[name]})
        except ValidationError:
            continue
        setattr(kit, name, cleaned[name])
    return kit


@login_required
@require_GET
@xframe_options_sameorigin
# An email is markup with inline styles (mail clients ignore stylesheets): this one response, shown in a
# sandboxed frame of the settings page, may use them; it may run no script and load nothing but images.
@csp(
    {
        "default-src": ["'none'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'unsafe-inline'"],
        "frame-ancestors": ["'self'"],
    }
)
def email_preview(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.VIEW)
    brand = selectors.brand_context(absolute_base_url=_base_url(request), kit=_draft_kit(request))
    return HttpResponse(emails.preview_document(brand))


@login_required
@require_GET
def preview_panel(request):
    """The preview panel (htmx): the frame showing the unsaved input and the contrast verdict."""
    access.require_allowed(request.user, OBJECT_TYPE, Verb.VIEW)
    kit = _draft_kit(request)
    brand = selectors.brand_context(absolute_base_url=_base_url(request), kit=kit)
    query = request.GET.copy()
    query.pop("csrfmiddlewaretoken", None)
    return render(
        request, "brand/_preview.html", {"brand": brand, "kit": kit, "preview_query": query.urlencode()}
    )
