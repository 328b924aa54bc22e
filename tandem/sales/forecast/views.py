"""The forecast page, Settings-like Quotas page and the deal page's one-click forecast category."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Team
from tandem.core.records.forms import active_users
from tandem.sales.deals import selectors as deal_selectors
from tandem.sales.deals import services as deal_services
from tandem.sales.deals.display import money
from tandem.sales.deals.models import Deal, ForecastCategory
from tandem.sales.forecast import periods, selectors, services
from tandem.sales.forecast.models import Quota


def _id(raw: str) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _forecast_query(request) -> tuple[periods.Period, deal_selectors.DealFilters, dict, list[str]]:
    """The period and filters from the query string, with a sentence for each value that could not be read
    (the page shows it and ignores the value)."""
    query, errors = request.GET, []
    today = timezone.localdate()
    chosen = {name: query.get(name, "").strip() for name in ("period", "owner", "team", "pipeline")}
    # A quarter first, as sales teams forecast and as quotas are mostly set (a month without its own quota
    # would show "No quota" for every rep).
    period = periods.quarter_of(today)
    if chosen["period"]:
        try:
            period = periods.parse(chosen["period"])
        except ValueError as problem:
            errors.append(f"{problem} Showing this quarter.")
    chosen["period"] = period.key
    filters = deal_selectors.DealFilters()
    for name, attribute, noun in (
        ("owner", "owner_ids", "owner"),
        ("team", "team_ids", "team"),
        ("pipeline", "pipeline_ids", "pipeline"),
    ):
        if chosen[name]:
            value = _id(chosen[name])
            if value is None:
                errors.append(f"“{chosen[name][:40]}” is not a valid {noun}; that filter was ignored.")
                chosen[name] = ""
            else:
                setattr(filters, attribute, [value])
    return period, filters, chosen, errors


@login_required
def forecast_page(request):
    """What the team will win this month or quarter: won so far, commit, best case and the weighted pipeline,
    by owner, team and close month, against each rep's quota."""
    access.require_allowed(request.user, "deal", Verb.VIEW)
    period, filters, chosen, errors = _forecast_query(request)
    result = selectors.forecast(request.user, period, filters)
    today = timezone.localdate()
    shortcuts = periods.shortcuts(today)
    options = [(label, item.key) for label, item in shortcuts]
    if all(key != period.key for _, key in options):
        options.append((period.label, period.key))
    context = {
        "forecast": result,
        "period": period,
        "previous": period.preceding(),
        "next": period.following(),
        "period_options": options,
        "chosen": chosen,
        "errors": errors,
        "owners": active_users(),
        "teams": Team.objects.order_by("name"),
        "pipelines": deal_selectors.pipelines(),
        "may_edit_quotas": access.allows(request.user, "quota", Verb.CHANGE),
    }
    return render(request, "forecast/forecast.html", context)


def _year(request) -> tuple[int, str]:
    today = timezone.localdate()
    raw = request.GET.get("year", "").strip()
    if not raw:
        return today.year, ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw), ""
    return today.year, f"“{raw[:20]}” is not a year between 2000 and 2100; showing {today.year}."


def _quota_page(request, *, form: dict, errors: dict):
    year, year_error = _year(request)
    today = timezone.localdate()
    return render(
        request,
        "forecast/quotas.html",
        {
            "quotas": selectors.quota_list(request.user, year=year),
            "year": year,
            "years": [year - 1, year + 1],
            "year_error": year_error,
            "may_create": access.allows(request.user, "quota", Verb.CREATE),
            "reps": active_users(),
            "period_choices": periods.choices_around(today),
            "form": form,
            "errors": errors,
        },
    )


def _field_errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {key: messages_[0] for key, messages_ in error.message_dict.items()}
    return {"form": " ".join(error.messages)}


@login_required
@require_http_methods(["GET", "POST"])
def quotas(request):
    """Quotas: each rep's target per month or quarter. Admins add, change and remove them; reps see their own
    and their team's."""
    access.require_allowed(request.user, "quota", Verb.VIEW)
    today = timezone.localdate()
    form = {"owner": "", "period": periods.quarter_of(today).key, "amount": "", "currency": "EUR"}
    if request.method == "POST":
        access.require_allowed(request.user, "quota", Verb.CREATE)
        form = {name: request.POST.get(name, "")[:200] for name in form}
        try:
            quota = services.create_quota(
                actor=request.user,
                owner=form["owner"],
                period=form["period"],
                amount=form["amount"],
                currency=form["currency"] or "EUR",
                request=request,
            )
        except ValidationError as error:
            return _quota_page(request, form=form, errors=_field_errors(error))
        period = periods.Period(quota.period_kind, quota.period_start)
        messages.success(
            request,
            f"Quota of {quota.owner.display_name} for {period.label} set to {money(quota.amount, quota.currency)}.",
        )
        return redirect(f"{reverse('forecast:quotas')}?year={quota.period_start.year}")
    return _quota_page(request, form=form, errors={})


@login_required
@require_POST
def quota_change(request, pk: int):
    quota = access.get_object_or_deny(request.user, Verb.CHANGE, Quota.objects.all(), pk=pk)
    try:
        services.update_quota(
            actor=request.user,
            quota=quota,
            amount=request.POST.get("amount", "")[:200],
            currency=request.POST.get("currency", "")[:20],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, f"The quota was not changed: {' '.join(error.messages)}")
    else:
        messages.success(request, f"Quota changed to {money(quota.amount, quota.currency)}.")
    return redirect(f"{reverse('forecast:quotas')}?year={quota.period_start.year}")


@login_required
@require_POST
def quota_delete(request, pk: int):
    quota = access.get_object_or_deny(request.user, Verb.DELETE, Quota.objects.all(), pk=pk)
    year = quota.period_start.year
    services.delete_quota(actor=request.user, quota=quota, request=request)
    messages.success(request, "Quota removed.")
    return redirect(f"{reverse('forecast:quotas')}?year={year}")


@login_required
@require_POST
def deal_category(request, pk: int):
    """Set a deal's forecast category from its page in one click (through the deals' own update service, so
    the audit row, the event and the stale-version check are the deal's)."""
    deal = access.get_object_or_deny(
        request.user, Verb.CHANGE, Deal.objects.filter(deleted_at__isnull=True), pk=pk
    )
    category = request.POST.get("forecast_category", "")
    try:
        deal_services.update_deal(
            actor=request.user,
            deal=deal,
            values={"forecast_category": category},
            expected_version=request.POST.get("record_version") or None,
            request=request,
        )
    except deal_services.StaleRecord:
        messages.error(request, "Someone changed this deal meanwhile; here it is as it is now. Choose again.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        label = dict(ForecastCategory.choices).get(deal.forecast_category, deal.forecast_category)
        messages.success(request, f"{deal.name} is now forecast as {label}.")
    return redirect("deals:deal_detail", deal.pk)
