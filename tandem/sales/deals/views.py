"""The pages the record layer does not generate: the board, a move (drag, keyboard or the deal page),
marking a deal won or lost, and Settings → Loss reasons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Team
from tandem.core.records import query as grammar
from tandem.core.records.forms import active_users
from tandem.sales.deals import cards, selectors, services
from tandem.sales.deals.display import money
from tandem.sales.deals.models import Deal, LossReason, Pipeline, Stage, StageKind
from tandem.sales.deals.qualification import qualification_context
from tandem.sales.deals.services import pipelines as pipeline_services
from tandem.sales.deals.services.qualification import fields as qualification_fields
from tandem.sales.deals.services.reasons import DEFAULT_LOSS_REASONS


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


# What the board's form sends (and `fragment`, its htmx refresh); anything else is a misspelled filter.
BOARD_FILTERS = ("pipeline", "owner", "team", "close_month", "next_step")
BOARD_PARAMETERS = {*BOARD_FILTERS, "fragment"}


def _table_query(pipeline: Pipeline | None, filters: selectors.DealFilters, **more) -> str:
    """The deals list's query string for the board's filters that applied (the table view shows the same
    deals; `more` adds, e.g., the stage of a column)."""
    query = QueryDict(mutable=True)
    if pipeline is not None:
        query["pipeline"] = str(pipeline.pk)
    for name, values in (
        ("owner", filters.owner_ids),
        ("team", filters.team_ids),
        ("next_step", filters.next_step),
    ):
        query.setlist(name, [str(value) for value in values])
    if filters.close_month:
        query["close_month"] = f"{filters.close_month:%Y-%m}"
    for name, value in more.items():
        query[name] = str(value)
    return query.urlencode()


def _board_query(
    request, pipelines: list[Pipeline]
) -> tuple[Pipeline | None, selectors.DealFilters, dict, list[str]]:
    """The board's pipeline and filters from its query string, with a sentence for each value it could not
    read and each parameter it does not know (the board shows them and leaves that filter out)."""
    errors: list[str] = []
    query = request.GET
    chosen = {
        "pipeline": query.get("pipeline", ""),
        "owner": query.get("owner", ""),
        "team": query.get("team", ""),
        "close_month": query.get("close_month", "").strip(),
        "next_step": query.get("next_step", ""),
    }
    pipeline = None
    if chosen["pipeline"]:
        pipeline = next((item for item in pipelines if str(item.pk) == chosen["pipeline"]), None)
        if pipeline is None:
            errors.append("That pipeline does not exist; showing the default one.")
    if pipeline is None:
        pipeline = next((item for item in pipelines if item.is_default), pipelines[0] if pipelines else None)
    filters = selectors.DealFilters(statuses=[])
    if chosen["owner"]:
        owner = _int(chosen["owner"])
        if owner is None:
            errors.append(f"“{chosen['owner'][:40]}” is not a valid owner; that filter was ignored.")
        else:
            filters.owner_ids = [owner]
    if chosen["team"]:
        team = _int(chosen["team"])
        if team is None:
            errors.append(f"“{chosen['team'][:40]}” is not a valid team; that filter was ignored.")
        else:
            filters.team_ids = [team]
    if chosen["next_step"] == "missing":
        filters.next_step = ["missing"]
    elif chosen["next_step"]:
        errors.append(f"“{chosen['next_step'][:40]}” is not a next-step filter; that filter was ignored.")
    if chosen["close_month"]:
        filters.close_month = grammar.parse_month(chosen["close_month"])
        if filters.close_month is None:
            errors.append(grammar.month_error("Close month", chosen["close_month"]))
    for name in sorted(set(query) - BOARD_PARAMETERS):
        errors.append(f"“{name[:40]}” is not a filter of the board; it was ignored.")
    return pipeline, filters, chosen, errors


def _board_context(request) -> dict:
    pipelines = selectors.pipelines()
    pipeline, filters, chosen, errors = _board_query(request, pipelines)
    columns = selectors.board(request.user, pipeline, filters) if pipeline else []
    writer = cards.CardWriter(request.user, timezone.now())
    stages = [column.stage for column in columns]
    move_stages = [stage for stage in stages if stage.kind != "lost"]
    for column in columns:
        column.table_query = _table_query(pipeline, filters, stage=column.stage.pk)
        column.total_labels = [
            (money(total, code), money(weighted, code)) for code, total, weighted in column.totals
        ]
        # Every card of a column offers the same "Move to" choices: written once per column, not per card.
        move_options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (stage.pk, mark_safe(" selected") if stage.pk == column.stage.pk else "", stage.name)
                for stage in move_stages
            ),
        )
        column.cards_html = writer.column(column, move_options)
    return {
        "pipelines": pipelines,
        "pipeline": pipeline,
        "columns": columns,
        "move_stages": move_stages,
        "chosen": chosen,
        # The filters the board's move form sends back, so that the board returns as it was filtered.
        "kept_filters": [
            (name, chosen[name] if name != "pipeline" else str(pipeline.pk))
            for name in BOARD_FILTERS
            if pipeline and (chosen[name] or name == "pipeline")
        ],
        "errors": errors,
        "owners": active_users(),
        "teams": Team.objects.order_by("name"),
        "query": request.GET.urlencode(),
        "table_query": _table_query(pipeline, filters),
        "may_create": access.allows(request.user, "deal", Verb.CREATE),
    }


@login_required
def deal_board(request):
    """The pipeline as columns of cards; drag a card (or use its "Move to" select) to move the deal."""
    access.require_allowed(request.user, "deal", Verb.VIEW)
    context = _board_context(request)
    if request.headers.get("HX-Request") and request.GET.get("fragment") == "board":
        # The "Table view" link above the board follows the new filters (an out-of-band swap).
        return render(request, "deals/_board.html", {**context, "refresh": True})
    return render(request, "deals/board.html", context)


def _deal(request, pk: int) -> Deal:
    return access.get_object_or_deny(
        request.user, Verb.CHANGE, Deal.objects.filter(deleted_at__isnull=True), pk=pk
    )


def _move(request, deal: Deal, stage) -> str:
    """Move `deal` to `stage`; the refusal as a sentence ("" when it moved)."""
    try:
        services.move_deal(
            actor=request.user,
            deal=deal,
            stage=stage,
            expected_version=request.POST.get("record_version") or None,
            request=request,
        )
    except ValidationError as refusal:
        return " ".join(refusal.messages)
    return ""


@login_required
@require_POST
def deal_move(request, pk: int):
    """Move a deal to another stage from its page; back to the page with the outcome. A refusal is a
    sentence, never an error page."""
    deal = _deal(request, pk)
    error = _move(request, deal, request.POST.get("stage"))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{deal.name} moved to {deal.stage.name}.")
    return redirect("deals:deal_detail", deal.pk)


@login_required
@require_POST
def deal_board_move(request):
    """A move from the board. Its one form posts the deal (`deal`: the card's button, or the dragged card)
    and the stage (that card's select, `stage-<deal>`; a drag sends `stage`), with the board's filters. The
    board comes back (htmx) with the outcome, or the browser returns to the same board (no script)."""
    pk = _int(request.POST.get("deal"))
    if pk is None:
        raise Http404("No deal was chosen.")
    deal = _deal(request, pk)
    error = _move(request, deal, request.POST.get(f"stage-{pk}", request.POST.get("stage")))
    filters = {key: value for key, value in request.POST.items() if key in BOARD_FILTERS and value}
    if request.headers.get("HX-Request"):
        request.GET = QueryDict(mutable=True)
        request.GET.update(filters)
        context = _board_context(request)
        context["move_error"] = error
        context["move_message"] = "" if error else f"{deal.name} moved to {deal.stage.name}."
        return render(request, "deals/_board.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{deal.name} moved to {deal.stage.name}.")
    board = reverse("deals:deal_board")
    return redirect(f"{board}?{urlencode(filters)}" if filters else board)


@login_required
@require_POST
def deal_close(request, pk: int):
    """Mark a deal won or lost (with the reason, competitor and note) from its page."""
    deal = _deal(request, pk)
    outcome = request.POST.get("outcome", "")
    try:
        services.close_deal(
            actor=request.user,
            deal=deal,
            outcome=outcome,
            reason=request.POST.get("reason"),
            competitor=request.POST.get("competitor", ""),
            note=request.POST.get("note", ""),
            objections=request.POST.getlist("objections")[:100],
            expected_version=request.POST.get("record_version") or None,
            request=request,
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, f"{deal.name} is marked {outcome}.")
    return redirect("deals:deal_detail", deal.pk)


@login_required
@require_http_methods(["GET", "POST"])
def loss_reasons(request):
    """Settings → Loss reasons: one reason a line, in the order offered when a deal is lost."""
    access.require_allowed(request.user, "loss_reason", Verb.CHANGE)
    error = ""
    text = "\n".join(reason.label for reason in LossReason.objects.filter(active=True)) or "\n".join(
        DEFAULT_LOSS_REASONS
    )
    if request.method == "POST":
        text = request.POST.get("labels", "")[:20_000]
        try:
            services.save_loss_reasons(actor=request.user, labels=text.splitlines(), request=request)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, "Loss reasons saved.")
            return redirect("deals:loss_reasons")
    retired = LossReason.objects.filter(active=False)
    return render(
        request,
        "deals/loss_reasons.html",
        {"text": text, "error": error, "retired": retired},
        status=400 if error else 200,
    )


# --- qualification (a panel on the deal's and the contact's page) -------------------------------------


def _qualified_record(request, kind: str, pk: int, verb: str):
    """The deal or contact whose checklist this is, as the user may `verb` it (404 / 403 otherwise)."""
    if kind == "deal":
        return {
            "deal": access.get_object_or_deny(
                request.user, verb, Deal.objects.filter(deleted_at__isnull=True), pk=pk
            )
        }
    if kind == "contact":
        from tandem.contacts.models import Contact

        contact = access.get_object_or_deny(
            request.user, verb, Contact.objects.filter(deleted_at__isnull=True), pk=pk
        )
        return {"contact": contact}
    raise Http404("No such checklist.")


@login_required
@require_http_methods(["GET", "POST"])
def qualification(request, kind: str, pk: int):
    """The qualification panel (GET), its inline form (GET ?edit=1) and its save (POST): htmx swaps the
    panel; without JavaScript a save comes back to the record's page."""
    record = _qualified_record(request, kind, pk, Verb.CHANGE if request.method == "POST" else Verb.VIEW)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing and request.method == "GET":
        _qualified_record(request, kind, pk, Verb.CHANGE)
    errors: dict[str, str] = {}
    values = None
    if request.method == "POST":
        names = qualification_fields()
        values = {name: request.POST.get(name, "")[:20_000] for name in names if name in request.POST}
        seen = {
            name: request.POST.get(f"seen_{name}", "")[:20_000]
            for name in names
            if f"seen_{name}" in request.POST
        }
        try:
            services.save_qualification(
                actor=request.user, values=values, seen=seen, request=request, **record
            )
        except ValidationError as refusal:
            errors = {
                key: " ".join(messages_)
                for key, messages_ in getattr(refusal, "message_dict", {"__all__": refusal.messages}).items()
            }
        else:
            editing = False
            values = None
            if not request.headers.get("HX-Request"):
                messages.success(request, "Qualification saved.")
                return redirect(_record_url(record))
    context = qualification_context(request, **record, editing=editing, values=values, errors=errors)
    if not request.headers.get("HX-Request"):
        if not editing:
            return redirect(_record_url(record) + "#qualification")
        # Without JavaScript the form is a page of its own; a refused save keeps what was typed.
        (subject,) = record.values()
        context.update(record_url=_record_url(record), record_name=str(subject))
        return render(request, "deals/qualification_page.html", context)
    return render(request, "deals/_qualification_panel.html", context)


def _record_url(record: dict) -> str:
    if "deal" in record:
        return reverse("deals:deal_detail", args=[record["deal"].pk])
    return reverse("contacts:contact_detail", args=[record["contact"].pk])


# --- Settings → Pipelines ----------------------------------------------------------------------------

SPARE_STAGE_ROWS = 2


@login_required
@require_GET
def pipeline_settings(request):
    """Every pipeline (archived ones last) with its stages and deal counts, and what an admin may do to it."""
    access.require_allowed(request.user, "pipeline", Verb.CHANGE)
    return render(request, "deals/pipeline_settings.html", {"pipelines": selectors.pipeline_overview()})


@login_required
@require_POST
def pipeline_action(request, pk: int):
    """Archive, restore, make default, move up or down: one button each on the settings page."""
    access.require_allowed(request.user, "pipeline", Verb.CHANGE)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action in ("archive", "restore"):
            pipeline_services.archive_pipeline(
                actor=request.user, pipeline=pipeline, archived=action == "archive", request=request
            )
            done = f"{pipeline.name} is {'archived' if action == 'archive' else 'back on the board'}."
        elif action == "default":
            pipeline_services.make_default_pipeline(actor=request.user, pipeline=pipeline, request=request)
            done = f"{pipeline.name} is now the default pipeline."
        elif action in ("up", "down"):
            pipeline_services.move_pipeline(
                actor=request.user, pipeline=pipeline, direction=action, request=request
            )
            done = f"{pipeline.name} moved {action}."
        else:
            raise ValidationError("Choose what to do with the pipeline.")
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, done)
    return redirect("deals:pipeline_settings")


def _stage_rows_from_post(post) -> list[pipeline_services.StageInput]:
    count = min(_int(post.get("stage_count")) or 0, pipeline_services.MAX_STAGES + 20)
    rows = []
    for index in range(count):
        prefix = f"stage-{index}-"
        position = post.get(prefix + "position", "")
        rows.append(
            (
                _int(position) if _int(position) is not None else 10_000 + index,
                index,
                pipeline_services.StageInput(
                    id=post.get(prefix + "id") or None,
                    name=post.get(prefix + "name", "")[:1000],
                    probability=post.get(prefix + "probability", "")[:20],
                    rotting_days=post.get(prefix + "rotting_days", "")[:20],
                    required_fields=post.getlist(prefix + "required")[:10],
                    kind=post.get(prefix + "kind", "open"),
                    remove=post.get(prefix + "remove") == "on",
                    move_to=post.get(prefix + "move_to") or None,
                ),
            )
        )
    # The "Position" numbers give the order (ties keep the form's order).
    return [row for _, _, row in sorted(rows, key=lambda item: (item[0], item[1]))]


def _stage_form_rows(pipeline, inputs=None, errors=None) -> list[dict]:
    errors = errors or {}
    if inputs is None:
        stages = list(pipeline.stages.filter(archived_at__isnull=True)) if pipeline else []
        counts = selectors.stage_deal_counts(stages)
        inputs = [
            pipeline_services.StageInput(
                id=stage.pk,
                name=stage.name,
                probability=stage.probability,
                rotting_days=stage.rotting_days if stage.rotting_days is not None else "",
                required_fields=list(stage.required_fields or []),
                kind=stage.kind,
            )
            for stage in stages
        ]
        if pipeline is None:
            inputs = [
                pipeline_services.StageInput(name="Qualified", probability=10, rotting_days=14),
                pipeline_services.StageInput(name="Proposal", probability=50, rotting_days=21),
                pipeline_services.StageInput(name="Won", probability=100, kind=StageKind.WON),
                pipeline_services.StageInput(name="Lost", probability=0, kind=StageKind.LOST),
            ]
        inputs += [
            pipeline_services.StageInput(kind=StageKind.OPEN, probability="") for _ in range(SPARE_STAGE_ROWS)
        ]
    else:
        ids = [_int(row.id) for row in inputs if row.id]
        counts = selectors.stage_deal_counts(list(Stage.objects.filter(pk__in=ids)))
    targets = [row for row in inputs if row.id and not row.remove]
    return [
        {
            "index": index,
            "input": row,
            "deal_count": counts.get(_int(row.id), 0) if row.id else 0,
            "move_targets": [
                (str(other.id), other.name)
                for other in targets
                if other.id != row.id and other.kind == row.kind
            ],
            "errors": {
                key.rsplit(".", 1)[1]: message
                for key, message in errors.items()
                if key.startswith(f"stage.{index}.")
            },
        }
        for index, row in enumerate(inputs)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pk: int | None = None):
    """A pipeline's name and its stages in one form: rename, reorder (the Position numbers), add, change,
    remove (moving its deals), and the rules' refusals as sentences beside the rows they are about."""
    access.require_allowed(request.user, "pipeline", Verb.CHANGE)
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk is not None else None
    name = pipeline.name if pipeline else ""
    inputs = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        name = request.POST.get("name", "")[:1000]
        inputs = _stage_rows_from_post(request.POST)
        try:
            saved = pipeline_services.save_pipeline(
                actor=request.user, pipeline=pipeline, name=name, stages=inputs, request=request
            )
        except ValidationError as refusal:
            errors = {key: " ".join(values) for key, values in refusal.message_dict.items()}
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("deals:pipeline_settings")
    rows = _stage_form_rows(pipeline, inputs, errors)
    return render(
        request,
        "deals/pipeline_form.html",
        {
            "pipeline": pipeline,
            "name": name,
            "rows": rows,
            "errors": errors,
            "row_errors": any(row["errors"] for row in rows),
            "requirable": list(Stage.REQUIRABLE.items()),
            "kinds": StageKind.choices,
        },
    )


@login_required
@require_GET
def no_next_step(request):
    """The saved link "No next step": the deals table filtered to open deals whose next step is empty."""
    access.require_allowed(request.user, "deal", Verb.VIEW)
    return redirect(f"{reverse('deals:deal_list')}?next_step=missing&status=open")
