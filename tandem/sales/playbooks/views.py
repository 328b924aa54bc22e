"""The playbooks' pages: the objection library, each objection with its ordered answers, battle cards, and the
answer search (a page, and an htmx partial the deal page embeds). Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.core.access import Verb
from tandem.sales.playbooks import selectors, services
from tandem.sales.playbooks.forms import (
    AnswerForm,
    AnswerUseForm,
    BattleCardForm,
    ObjectionForm,
    add_service_errors,
)
from tandem.sales.playbooks.models import BattleCard, Objection

SEARCH_LIMIT = 10
PARTIAL_LIMIT = 5
MAX_QUERY = 300


def _require_view(user) -> None:
    if not selectors.can_view(user):
        raise PermissionDenied("Your role cannot open the playbooks.")


def _require_create(user) -> None:
    if not access.allows(user, "playbook", Verb.CREATE):
        raise PermissionDenied("Your role can read the playbooks but not write them.")


def _saved(request, form, save, success):
    """On a valid POST, `save(cleaned_data)` (a service call) and say `success` (a sentence, or a function of
    what was saved that words it). The service's errors land on the form, keeping what was typed. Returns
    what `save` returned, or None when the page shows the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, success if isinstance(success, str) else success(saved))
    return saved


def _deleted(request, delete, success: str, to: str):
    """Call `delete` (a service call), say `success` and go to `to`."""
    delete()
    messages.success(request, success)
    return redirect(to)


# ---------------------------------------------------------------------------------------------- objections


@login_required
def objection_list(request):
    _require_view(request.user)
    category = request.GET.get("category", "")
    if category not in Objection.Category.values:
        category = ""
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    objections = selectors.objections(request.user, category=category, query=query)
    return render(
        request,
        "playbooks/objection_list.html",
        {
            "objections": objections[:200],
            "categories": Objection.Category.choices,
            "category": category,
            "query": query,
            "can_edit": selectors.can_edit(request.user),
        },
    )


def _objection_form_page(request, objection=None):
    initial = (
        {"text": objection.text, "category": objection.category, "tags": ", ".join(objection.tags)}
        if objection
        else {"category": Objection.Category.PRICE}
    )
    form = ObjectionForm(request.POST if request.method == "POST" else None, initial=initial)
    if objection is None:
        saved = _saved(
            request,
            form,
            lambda values: services.create_objection(actor=request.user, values=values, request=request),
            "The objection was added. Now write the answers reps should give.",
        )
    else:
        saved = _saved(
            request,
            form,
            lambda values: services.update_objection(
                actor=request.user, objection=objection, values=values, request=request
            ),
            "The objection was saved.",
        )
    if saved is not None:
        return redirect("playbooks:objection_detail", saved.pk)
    return render(request, "playbooks/objection_form.html", {"form": form, "objection": objection})


@login_required
def objection_create(request):
    _require_create(request.user)
    return _objection_form_page(request)


@login_required
def objection_edit(request, objection_id: int):
    objection = access.get_object_or_deny(request.user, Verb.CHANGE, Objection.objects.all(), pk=objection_id)
    return _objection_form_page(request, objection)


@login_required
def objection_detail(request, objection_id: int):
    objection = selectors.objection_detail(request.user, objection_id)
    can_edit = access.can(request.user, Verb.CHANGE, objection)
    answer_form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Your role can read the playbooks but not write them.")
        added = _saved(
            request,
            answer_form,
            lambda values: services.add_answer(
                actor=request.user, objection=objection, values=values, request=request
            ),
            "The answer was added.",
        )
        if added is not None:
            return redirect("playbooks:objection_detail", objection.pk)
    return render(
        request,
        "playbooks/objection_detail.html",
        {
            "objection": objection,
            "answers": objection.ordered_answers,
            "battle_cards": objection.battle_cards.order_by("competitor"),
            "can_edit": can_edit,
            "can_record_use": selectors.can_record_use(request.user),
            "answer_form": answer_form,
            "use_choices": AnswerUseForm.base_fields["helped"].choices,
        },
    )


@login_required
@require_POST
def objection_delete(request, objection_id: int):
    objection = access.get_object_or_deny(request.user, Verb.DELETE, Objection.objects.all(), pk=objection_id)
    return _deleted(
        request,
        lambda: services.delete_objection(actor=request.user, objection=objection, request=request),
        "The objection and its answers were deleted.",
        reverse("playbooks:objection_list"),
    )


# ---------------------------------------------------------------------------------------------- answers


@login_required
def answer_edit(request, answer_id: int):
    answer = selectors.answer_for(request.user, Verb.CHANGE, answer_id)
    initial = {
        "text": answer.text,
        "proof_points": answer.proof_points,
        "resources": "\n".join(answer.resources),
    }
    form = AnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    saved = _saved(
        request,
        form,
        lambda values: services.update_answer(
            actor=request.user, answer=answer, values=values, request=request
        ),
        "The answer was saved.",
    )
    if saved is not None:
        return redirect("playbooks:objection_detail", answer.objection_id)
    return render(request, "playbooks/answer_form.html", {"form": form, "answer": answer})


@login_required
@require_POST
def answer_delete(request, answer_id: int):
    answer = selectors.answer_for(request.user, Verb.DELETE, answer_id)
    return _deleted(
        request,
        lambda: services.delete_answer(actor=request.user, answer=answer, request=request),
        "The answer was deleted.",
        _objection_url(answer.objection_id),
    )


@login_required
@require_POST
def answer_move(request, answer_id: int):
    answer = selectors.answer_for(request.user, Verb.CHANGE, answer_id)
    try:
        services.move_answer(
            actor=request.user, answer=answer, direction=request.POST.get("direction", ""), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{_objection_url(answer.objection_id)}#answer-{answer.pk}")


def _objection_url(objection_id: int) -> str:
    return reverse("playbooks:objection_detail", args=[objection_id])


@login_required
@require_POST
def answer_use(request, answer_id: int):
    """Mark an answer used (and whether it helped). From htmx: answers with the answer's updated usage line."""
    answer = selectors.answer_for(request.user, Verb.VIEW, answer_id)
    form = AnswerUseForm(request.POST)
    error_text = ""
    if not form.is_valid():
        error_text = "Choose whether the answer helped."
    else:
        try:
            services.record_answer_use(
                actor=request.user,
                answer=answer,
                helped=form.cleaned_data["helped"],
                deal_id=form.cleaned_data["deal"],
                request=request,
            )
        except ValidationError as error:
            error_text = " ".join(error.messages)
    if request.headers.get("HX-Request"):
        counted = selectors.answer_with_counts(request.user, answer.pk)
        return render(
            request,
            "playbooks/_answer_use.html",
            {
                "answer": counted,
                "deal_id": form.cleaned_data.get("deal") if form.is_valid() else None,
                "use_choices": AnswerUseForm.base_fields["helped"].choices,
                "can_record_use": True,
                "just_recorded": not error_text,
                "use_error": error_text,
            },
            status=200 if not error_text else 400,
        )
    if error_text:
        messages.error(request, error_text)
    else:
        messages.success(request, "Thanks: your verdict now ranks this answer for everyone.")
    return redirect(f"{_objection_url(answer.objection_id)}#answer-{answer.pk}")


# ---------------------------------------------------------------------------------------------- search


def _search_context(request, limit: int) -> dict:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    deal_id = request.GET.get("deal", "")
    deal_id = int(deal_id) if deal_id.isdigit() and int(deal_id) > 0 else None
    results = selectors.search_answers(query, limit=limit, user=request.user) if query else []
    return {
        "query": query,
        "results": results,
        "deal_id": deal_id,
        "can_record_use": selectors.can_record_use(request.user),
        "use_choices": AnswerUseForm.base_fields["helped"].choices,
        "searched_words": bool(query) and not results,
    }


@login_required
def search_page(request):
    _require_view(request.user)
    return render(request, "playbooks/search.html", _search_context(request, SEARCH_LIMIT))


@login_required
def search_results(request):
    """The htmx partial: `?q=<question>&deal=<deal id>` → the best five answers with "I used this" controls
    (the deal id travels with each use). The deal page embeds it; see docs/architecture.md."""
    _require_view(request.user)
    return render(request, "playbooks/_search_results.html", _search_context(request, PARTIAL_LIMIT))


# ---------------------------------------------------------------------------------------------- battle cards


@login_required
def battle_card_list(request):
    _require_view(request.user)
    return render(
        request,
        "playbooks/battle_card_list.html",
        {"cards": selectors.battle_cards(request.user), "can_edit": selectors.can_edit(request.user)},
    )


@login_required
def battle_card_detail(request, card_id: int):
    card = selectors.battle_card_detail(request.user, card_id)
    return render(
        request,
        "playbooks/battle_card_detail.html",
        {"card": card, "can_edit": access.can(request.user, Verb.CHANGE, card)},
    )


def _battle_card_form_page(request, card=None):
    objections = selectors.objections(request.user).order_by("category", "text")
    fields = ("competitor", "strengths", "weaknesses", "how_we_win", "landmines", "proof_points")
    initial = {name: getattr(card, name) for name in fields} if card else {}
    if card:
        initial["objection_ids"] = list(card.objections.values_list("pk", flat=True))
    form = BattleCardForm(
        request.POST if request.method == "POST" else None, initial=initial, objections=objections
    )
    if card is None:
        saved = _saved(
            request,
            form,
            lambda values: services.create_battle_card(actor=request.user, values=values, request=request),
            lambda created: f"The battle card for {created.competitor} was created.",
        )
    else:
        saved = _saved(
            request,
            form,
            lambda values: services.update_battle_card(
                actor=request.user, card=card, values=values, request=request
            ),
            "The battle card was saved.",
        )
    if saved is not None:
        return redirect("playbooks:battle_card_detail", saved.pk)
    return render(request, "playbooks/battle_card_form.html", {"form": form, "card": card})


@login_required
def battle_card_create(request):
    _require_create(request.user)
    return _battle_card_form_page(request)


@login_required
def battle_card_edit(request, card_id: int):
    card = access.get_object_or_deny(request.user, Verb.CHANGE, BattleCard.objects.all(), pk=card_id)
    return _battle_card_form_page(request, card)


@login_required
@require_POST
def battle_card_delete(request, card_id: int):
    card = access.get_object_or_deny(request.user, Verb.DELETE, BattleCard.objects.all(), pk=card_id)
    return _deleted(
        request,
        lambda: services.delete_battle_card(actor=request.user, card=card, request=request),
        "The battle card was deleted.",
        reverse("playbooks:battle_card_list"),
    )
