"""The buyer's page behind a quote's public link (/p/quote/<token>/): the quote in the brand's look, its PDF,
and accept (typed full name) or decline (a reason). GET shows, POST answers; the link reaches only its own
quote, found through the link's target, never through anything in the request."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone

from tandem.public import pages
from tandem.public import services as public_services
from tandem.public.throttle import client_ip
from tandem.sales.quotes import money, pdf, selectors, services
from tandem.sales.quotes.models import Quote, QuoteStatus


def _quote_of(link) -> Quote | None:
    quote = public_services.target_of(link)
    if not isinstance(quote, Quote) or quote.deleted_at is not None:
        return None
    return services.expire_if_overdue(quote)


def _withdrawn(request) -> HttpResponse:
    return pages.error_page(
        request,
        title="This quote was withdrawn",
        message="The seller withdrew this quote. If you expected one, ask them for a new link.",
        status=410,
    )


def _page(
    request,
    quote: Quote,
    *,
    status: int = 200,
    error_field: str = "",
    error: str = "",
    typed=None,
    done: str = "",
):
    lines = selectors.quote_lines(quote)
    return pages.render(
        request,
        "quotes/public_quote.html",
        {
            "quote": quote,
            "deal": quote.deal,
            "company": quote.deal.company if quote.deal.company_id else None,
            "lines": selectors.priced(lines),
            "totals": money.totals(lines, quote.discount_percent, quote.tax_rate),
            "money": money,
            "open": quote.status == QuoteStatus.SENT,
            "pdf_problem": pdf.unavailable_reason(),
            "error_field": error_field,
            "error": error,
            "typed": typed or {},
            "done": done,
            "today": timezone.localdate(),
        },
        status=status,
    )


def quote_show(request, link) -> HttpResponse:
    quote = _quote_of(link)
    if quote is None:
        return _withdrawn(request)
    if request.GET.get("download") == "pdf":
        try:
            response = HttpResponse(pdf.render_pdf(quote), content_type="application/pdf")
        except pdf.PdfUnavailable as problem:
            return pages.error_page(
                request, title="The PDF cannot be made right now", message=str(problem), status=503
            )
        response["Content-Disposition"] = f'attachment; filename="{pdf.filename(quote)}"'
        return response
    return _page(request, quote)


def quote_act(request, link) -> HttpResponse:
    """POST: accept or decline, once. A refusal (no name, no reason, already answered, expired) is the page
    again with the sentence and what was typed."""
    quote = _quote_of(link)
    if quote is None:
        return _withdrawn(request)
    action = request.POST.get("action", "")
    typed = {"name": request.POST.get("name", "")[:300], "reason": request.POST.get("reason", "")[:3000]}
    try:
        if action == "accept":
            quote = services.accept_quote(
                quote=quote, name=typed["name"], ip=client_ip(request), request=request
            )
            done = "accepted"
        elif action == "decline":
            quote = services.decline_quote(
                quote=quote, reason=typed["reason"], ip=client_ip(request), request=request
            )
            done = "declined"
        else:
            return _page(request, quote, status=400, error="Choose accept or decline.", typed=typed)
    except ValidationError as refusal:
        field = next(iter(refusal.message_dict), "") if hasattr(refusal, "error_dict") else ""
        quote.refresh_from_db()
        return _page(
            request, quote, status=400, error_field=field, error=" ".join(refusal.messages), typed=typed
        )
    return _page(request, quote, done=done)
