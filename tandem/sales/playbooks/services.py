"""Writes to the playbooks: objections, their ordered answers, battle cards, and answer uses.

Each checks access (object type `playbook`; `answer_use` for marking an answer used), cleans its input with
one sentence per bad field (a `ValidationError` keyed by field), writes in one transaction with one audit row.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.sales.playbooks import semantic
from tandem.sales.playbooks.models import Answer, AnswerUse, BattleCard, Objection
from tandem.sales.playbooks.search import strip_markers

MAX_TAGS = 10
MAX_TAG_LENGTH = 30
MAX_RESOURCES = 10
MAX_TEXT = 5000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: Any, *, field: str, label: str, errors: dict, required: bool, max_length: int) -> str:
    text = strip_markers(CONTROL_CHARACTERS.sub("", str(value or ""))).strip()
    if required and not text:
        errors[field] = f"Write the {label}."
    elif len(text) > max_length:
        errors[field] = f"The {label} can be at most {max_length} characters (it has {len(text)})."
    return text


def _tags(value: Any, errors: dict) -> list[str]:
    raw = value if isinstance(value, list) else re.split(r"[,\n]", str(value or ""))
    tags: list[str] = []
    for tag in raw:
        tag = " ".join(str(tag).lower().split())
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            errors["tags"] = f"A tag can be at most {MAX_TAG_LENGTH} characters: “{tag[:MAX_TAG_LENGTH]}…”."
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"At most {MAX_TAGS} tags (there are {len(tags)})."
    return tags


def _resources(value: Any, errors: dict) -> list[str]:
    raw = value if isinstance(value, list) else str(value or "").splitlines()
    urls = [str(url).strip() for url in raw if str(url).strip()]
    validate = URLValidator(schemes=["http", "https"])
    for url in urls:
        try:
            validate(url)
        except ValidationError:
            errors["resources"] = f"“{url[:80]}” is not a web address starting with https:// or http://."
            break
    if len(urls) > MAX_RESOURCES:
        errors["resources"] = f"At most {MAX_RESOURCES} links (there are {len(urls)})."
    return urls


def _clean_objection(values: dict) -> dict:
    errors: dict[str, str] = {}
    limit = Objection._meta.get_field("text").max_length
    cleaned = {
        "text": _text(
            values.get("text"),
            field="text",
            label="objection",
            errors=errors,
            required=True,
            max_length=limit,
        ),
        "category": values.get("category") or Objection.Category.OTHER,
        "tags": _tags(values.get("tags"), errors),
    }
    if cleaned["category"] not in Objection.Category.values:
        errors["category"] = "Choose one of the categories offered."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _embed(answer_ids) -> None:
    """Semantic search (optional extra): the answers' embeddings follow their texts and their objection's.
    Off or not installed: nothing (`manage.py playbook_embeddings --missing` fills them in later)."""
    if semantic.enabled():
        semantic.refresh(answer_ids)


def _update(*, actor, record, cleaned: dict, event: str, request=None, also: dict | None = None):
    """Write the cleaned values that differ from `record`'s (only those columns, with `updated_at`) and one
    audit row saying what changed, `also` included (a card's linked objections); nothing when nothing did."""
    changed = {name: value for name, value in cleaned.items() if getattr(record, name) != value}
    before = {name: getattr(record, name) for name in changed}
    for name, value in changed.items():
        setattr(record, name, value)
    if changed or also:
        record.save(update_fields=[*changed, "updated_at"])
    audit.record_changes(
        actor=actor, target=record, before=before, after=changed, also=also, event=event, request=request
    )
    return record


def _delete(*, actor, record, event: str, request=None, extra: dict | None = None) -> None:
    """Delete `record` (the actor may delete it) with its audit row, written first so it names the record."""
    access.require(actor, Verb.DELETE, record)
    audit.record(
        actor=actor, action=audit.Action.DELETE, target=record, event=event, request=request, extra=extra
    )
    record.delete()


@transaction.atomic
def create_objection(*, actor, values: dict, request=None) -> Objection:
    """A new objection (text, category, tags). Answers are added with `add_answer`."""
    access.require_allowed(actor, "playbook", Verb.CREATE)
    cleaned = _clean_objection(values)
    objection = Objection.objects.create(created_by=actor, **cleaned)
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=objection, event="objection_created", request=request
    )
    return objection


@transaction.atomic
def update_objection(*, actor, objection: Objection, values: dict, request=None) -> Objection:
    access.require(actor, Verb.CHANGE, objection)
    cleaned = _clean_objection(values)
    text_changed = cleaned["text"] != objection.text
    _update(actor=actor, record=objection, cleaned=cleaned, event="objection_updated", request=request)
    if text_changed:
        _embed(objection.answers.values_list("pk", flat=True))
    return objection


@transaction.atomic
def delete_objection(*, actor, objection: Objection, request=None) -> None:
    """Delete an objection with its answers and their recorded uses (battle cards just lose the link)."""
    _delete(
        actor=actor,
        record=objection,
        event="objection_deleted",
        request=request,
        extra={"text": objection.text},
    )
    semantic.changed()


def _clean_answer(values: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = {
        "text": _text(
            values.get("text"),
            field="text",
            label="answer",
            errors=errors,
            required=True,
            max_length=MAX_TEXT,
        ),
        "proof_points": _text(
            values.get("proof_points"),
            field="proof_points",
            label="proof points",
            errors=errors,
            required=False,
            max_length=MAX_TEXT,
        ),
        "resources": _resources(values.get("resources"), errors),
    }
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def add_answer(*, actor, objection: Objection, values: dict, request=None) -> Answer:
    """A new answer at the end of the objection's list."""
    access.require(actor, Verb.CHANGE, objection)
    cleaned = _clean_answer(values)
    # Lock the objection so two answers added at once do not take the same position.
    Objection.objects.select_for_update().filter(pk=objection.pk).first()
    last = objection.answers.aggregate(last=Max("position"))["last"]
    answer = Answer.objects.create(objection=objection, position=0 if last is None else last + 1, **cleaned)
    _embed([answer.pk])
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=answer, event="answer_created", request=request
    )
    return answer


@transaction.atomic
def update_answer(*, actor, answer: Answer, values: dict, request=None) -> Answer:
    access.require(actor, Verb.CHANGE, answer)
    cleaned = _clean_answer(values)
    text_changed = cleaned["text"] != answer.text
    _update(actor=actor, record=answer, cleaned=cleaned, event="answer_updated", request=request)
    if text_changed:
        _embed([answer.pk])
    return answer


@transaction.atomic
def delete_answer(*, actor, answer: Answer, request=None) -> None:
    _delete(actor=actor, record=answer, event="answer_deleted", request=request)
    semantic.changed()


@transaction.atomic
def move_answer(*, actor, answer: Answer, direction: str, request=None) -> Answer:
    """Swap the answer with its neighbour above ("up") or below ("down"); at either end nothing changes."""
    access.require(actor, Verb.CHANGE, answer)
    if direction not in ("up", "down"):
        raise ValidationError("Move an answer up or down.")
    siblings = list(
        Answer.objects.select_for_update().filter(objection_id=answer.objection_id).order_by("position", "id")
    )
    index = next(number for number, sibling in enumerate(siblings) if sibling.pk == answer.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return answer
    siblings[index], siblings[other] = siblings[other], siblings[index]
    # Positions are rewritten 0..n-1 so old gaps and ties disappear.
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            Answer.objects.filter(pk=sibling.pk).update(position=position)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=answer,
        event="answer_moved",
        request=request,
        extra={"direction": direction},
    )
    answer.refresh_from_db()
    return answer


def _clean_battle_card(values: dict, card: BattleCard | None) -> dict:
    errors: dict[str, str] = {}
    limit = BattleCard._meta.get_field("competitor").max_length
    cleaned: dict[str, Any] = {
        "competitor": _text(
            values.get("competitor"),
            field="competitor",
            label="competitor's name",
            errors=errors,
            required=True,
            max_length=limit,
        )
    }
    for name, label in (
        ("strengths", "strengths"),
        ("weaknesses", "weaknesses"),
        ("how_we_win", "how we win"),
        ("landmines", "landmines"),
        ("proof_points", "proof points"),
    ):
        cleaned[name] = _text(
            values.get(name), field=name, label=label, errors=errors, required=False, max_length=MAX_TEXT
        )
    if "competitor" not in errors:
        others = BattleCard.objects.filter(competitor__iexact=cleaned["competitor"])
        if card is not None:
            others = others.exclude(pk=card.pk)
        if others.exists():
            errors["competitor"] = f"There is already a battle card for {cleaned['competitor']}."
    objection_ids = [int(pk) for pk in values.get("objection_ids") or []]
    objections = list(Objection.objects.filter(pk__in=objection_ids))
    if len(objections) != len(set(objection_ids)):
        errors["objection_ids"] = "One of the objections chosen no longer exists. Choose again."
    if errors:
        raise ValidationError(errors)
    cleaned["objections"] = objections
    return cleaned


@transaction.atomic
def create_battle_card(*, actor, values: dict, request=None) -> BattleCard:
    access.require_allowed(actor, "playbook", Verb.CREATE)
    cleaned = _clean_battle_card(values, None)
    objections = cleaned.pop("objections")
    card = BattleCard.objects.create(created_by=actor, **cleaned)
    card.objections.set(objections)
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=card, event="battle_card_created", request=request
    )
    return card


@transaction.atomic
def update_battle_card(*, actor, card: BattleCard, values: dict, request=None) -> BattleCard:
    access.require(actor, Verb.CHANGE, card)
    cleaned = _clean_battle_card(values, card)
    objections = cleaned.pop("objections")
    before_ids = sorted(card.objections.values_list("pk", flat=True))
    after_ids = sorted(objection.pk for objection in objections)
    links_changed = {"objections": [str(before_ids), str(after_ids)]} if before_ids != after_ids else {}
    card.objections.set(objections)
    return _update(
        actor=actor,
        record=card,
        cleaned=cleaned,
        also=links_changed,
        event="battle_card_updated",
        request=request,
    )


@transaction.atomic
def delete_battle_card(*, actor, card: BattleCard, request=None) -> None:
    _delete(
        actor=actor,
        record=card,
        event="battle_card_deleted",
        request=request,
        extra={"competitor": card.competitor},
    )


@transaction.atomic
def record_answer_use(
    *, actor, answer: Answer, helped: str = AnswerUse.Helped.UNKNOWN, deal_id: int | None = None, request=None
) -> AnswerUse:
    """The actor used `answer` (on deal `deal_id`, when given) and says whether it helped (yes / no / unknown).

    Every use is a row: the answer's "used N times, helped M" counts them, and the search ranks answers that
    helped a little higher (`selectors.search_answers`)."""
    access.require_allowed(actor, "answer_use", Verb.CREATE)
    access.require(actor, Verb.VIEW, answer)
    if helped not in AnswerUse.Helped.values:
        raise ValidationError({"helped": "Say whether the answer helped: yes, no or not sure yet."})
    if deal_id is not None:
        # The deal model is read from the foreign key, not imported: playbooks sits below deals.
        deals = AnswerUse._meta.get_field("deal").related_model.objects.filter(deleted_at__isnull=True)
        if (
            not isinstance(deal_id, int)
            or deal_id <= 0
            or not access.scope_queryset(actor, Verb.VIEW, deals).filter(pk=deal_id).exists()
        ):
            raise ValidationError({"deal_id": "That deal does not exist, or you cannot see it."})
    use = AnswerUse.objects.create(answer=answer, user=actor, deal_id=deal_id, helped=helped)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=use,
        event="answer_used",
        request=request,
        extra={"answer_id": answer.pk, "helped": helped, "deal_id": deal_id},
    )
    return use
