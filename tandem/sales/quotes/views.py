"""The signed-in pages the record layer does not generate: a deal's lines and its "Create quote", a quote's
lines, its PDF and sending it. Each write answers htmx with its panel re-rendered (a refusal is a sentence
in the panel, with what was typed kept) and a plain form post with a redirect and a message."""

import uuid
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.records import columns as record_columns
from tandem.sales.deals.models import Deal
from tandem.sales.quotes import pdf, records, services
from tandem.sales.quotes.models import DealLine, Quote, QuoteLine

LINE_KEYS = ("product", "name", "quantity", "unit_price", "discount_percent")


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def _line_values(request) -> dict:
    """The line fields the form posted: a product line sends the product (its name and price come from the
    catalog unless typed), a free line its name and price."""
    values = {key: request.POST[key] for key in LINE_KEYS if key in request.POST}
    if values.get("product"):
        for key in ("name", "unit_price"):
            if not values.get(key):
                values.pop(key, None)
    else:
        values.pop("product", None)
    return values


def _save_line(request, save, panel, *, done: str, adding: bool):
    """Add or edit one line (a deal's or a quote's): `save` is the service with its deal, quote or line bound,
    `panel` the response re-rendering its panel. A refusal is a sentence in the panel; a new line's form keeps
    what was typed (an edited line's form shows the stored values again)."""
    try:
        line = save(actor=request.user, values=_line_values(request), request=request)
    except ValidationError as error:
        return panel(error=_refusal(error), form_values=request.POST if adding else None)
    return panel(message=f"{line.name} {done}.")


def _deal(request, pk: int) -> Deal:
    return access.get_object_or_deny(
        request.user,
        Verb.CHANGE,
        Deal.objects.filter(deleted_at__isnull=True).select_related("company"),
        pk=pk,
    )


def _deal_panel_response(request, deal: Deal, *, message: str = "", error: str = "", form_values=None):
    deal = Deal.objects.select_related("company").get(pk=deal.pk)
    if request.headers.get("HX-Request"):
        context = records._deal_panel(request, deal) or {}
        context.update(message=message, error=error, form_values=form_values or {})
        return HttpResponse(render_to_string("quotes/_deal_panel.html", context, request=request))
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    return redirect("deals:deal_detail", deal.pk)


@login_required
@require_POST
def deal_line_add(request, pk: int):
    deal = _deal(request, pk)
    save = partial(services.add_deal_line, deal=deal)
    return _save_line(request, save, partial(_deal_panel_response, request, deal), done="added", adding=True)


def _deal_line(request, pk: int) -> DealLine:
    line = get_object_or_404(DealLine.objects.select_related("deal"), pk=pk)
    _deal(request, line.deal_id)
    return line


@login_required
@require_POST
def deal_line_edit(request, pk: int):
    line = _deal_line(request, pk)
    save = partial(services.update_deal_line, line=line)
    return _save_line(
        request, save, partial(_deal_panel_response, request, line.deal), done="saved", adding=False
    )


@login_required
@require_POST
def deal_line_remove(request, pk: int):
    line = _deal_line(request, pk)
    services.remove_deal_line(actor=request.user, line=line, request=request)
    return _deal_panel_response(request, line.deal, message=f"{line.name} removed.")


@login_required
@require_POST
def deal_amount_from_lines(request, pk: int):
    deal = _deal(request, pk)
    try:
        deal = services.set_amount_from_lines(actor=request.user, deal=deal, request=request)
    except ValidationError as error:
        return _deal_panel_response(request, deal, error=_refusal(error))
    from tandem.sales.quotes.money import money

    text = f"The deal's amount is now {money(deal.amount, deal.currency)}."
    if request.headers.get("HX-Request"):
        # The amount is shown in the page's facts too: reload the page so both agree.
        messages.success(request, text)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    messages.success(request, text)
    return redirect("deals:deal_detail", deal.pk)


@login_required
@require_POST
def quote_from_deal(request, pk: int):
    """Create a draft quote from the deal's lines and open it."""
    deal = _deal(request, pk)
    try:
        quote = services.create_quote(actor=request.user, values={"deal": deal}, request=request)
    except ValidationError as error:
        messages.error(request, _refusal(error))
        return redirect("deals:deal_detail", deal.pk)
    messages.success(
        request, f"Quote {quote.number} was created from the deal's products. Check it, then send it."
    )
    return redirect("quotes:quote_detail", quote.pk)


# --- a quote's lines, PDF and sending ------------------------------------------------------------------------


def _quote(request, pk: int, verb: str = Verb.CHANGE) -> Quote:
    queryset = Quote.objects.filter(deleted_at__isnull=True).select_related("deal", "deal__company")
    return access.get_object_or_deny(request.user, verb, queryset, pk=pk)


def _quote_panel_response(
    request, quote: Quote, *, message: str = "", error: str = "", form_values=None, shared=None
):
    quote = Quote.objects.select_related("deal", "deal__company").get(pk=quote.pk)
    if request.headers.get("HX-Request"):
        context = records.quote_panel_context(
            request, quote, shared=shared, error=error, form_values=form_values
        )
        context["message"] = message
        # Sending changes the status and the buyer's link, a line the total: the page's header and facts
        # (outside the panel) come along out of band, so they never contradict the panel.
        around = [
            render_to_string("quotes/_quote_header.html", {"record": quote, "oob": True}, request=request)
        ]
        around += [
            render_to_string(
                "records/_fact_group.html",
                {"group": group, "title_of_group": title, "rows": rows, "oob": True},
                request=request,
            )
            for group, title, rows in record_columns.facts(records.QUOTE, quote)
        ]
        panel = render_to_string("quotes/_quote_panel.html", context, request=request)
        return HttpResponse(panel + "".join(around))
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    return redirect("quotes:quote_detail", quote.pk)


@login_required
@require_POST
def quote_line_add(request, pk: int):
    quote = _quote(request, pk)
    save = partial(services.add_quote_line, quote=quote)
    return _save_line(
        request, save, partial(_quote_panel_response, request, quote), done="added", adding=True
    )


def _quote_line(request, pk: int) -> QuoteLine:
    line = get_object_or_404(QuoteLine.objects.select_related("quote"), pk=pk)
    _quote(request, line.quote_id)
    return line


@login_required
@require_POST
def quote_line_edit(request, pk: int):
    line = _quote_line(request, pk)
    save = partial(services.update_quote_line, line=line)
    return _save_line(
        request, save, partial(_quote_panel_response, request, line.quote), done="saved", adding=False
    )


@login_required
@require_POST
def quote_line_remove(request, pk: int):
    line = _quote_line(request, pk)
    try:
        services.remove_quote_line(actor=request.user, line=line, request=request)
    except ValidationError as error:
        return _quote_panel_response(request, line.quote, error=_refusal(error))
    return _quote_panel_response(request, line.quote, message=f"{line.name} removed.")


def pdf_response(quote: Quote) -> HttpResponse:
    response = HttpResponse(pdf.render_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(quote)}"'
    return response


@login_required
@require_GET
def quote_pdf(request, pk: int):
    """The quote as a PDF download; without WeasyPrint's libraries, the page says so (never a 500)."""
    quote = _quote(request, pk, Verb.VIEW)
    try:
        return pdf_response(quote)
    except pdf.PdfUnavailable as problem:
        return render(
            request, "quotes/pdf_unavailable.html", {"quote": quote, "problem": str(problem)}, status=503
        )


@login_required
@require_POST
def quote_share(request, pk: int):
    """Send / share: a new public link (shown once), optionally emailed to the deal's primary contact."""
    quote = _quote(request, pk)
    email = request.POST.get("email") == "on"
    identity = None
    if email:
        from tandem.mail.compose.selectors import sending_identities

        wanted = request.POST.get("identity", "")
        identity = next((item for item in sending_identities() if str(item.pk) == wanted), None)
    try:
        shared = services.share_quote(
            actor=request.user, quote=quote, email=email, identity=identity,
            form_token=request.POST.get("form_token") or str(uuid.uuid4()), request=request,
        )  # fmt: skip
    except ValidationError as error:
        return _quote_panel_response(request, quote, error=_refusal(error), form_values=request.POST)
    if shared.url and shared.emailed_to:
        message = f"Quote {quote.number} was emailed to {shared.emailed_to}."
    elif shared.url:
        message = f"Quote {quote.number} is ready to share: copy the link below."
    else:
        message = f"Quote {quote.number} was already emailed to {shared.emailed_to}."
    if request.headers.get("HX-Request"):
        return _quote_panel_response(request, quote, message=message, shared=shared)
    quote.refresh_from_db()
    return render(request, "quotes/shared.html", {"quote": quote, "shared": shared, "message": message})
