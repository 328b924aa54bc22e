"""Reads of the playbooks, scoped by the access policy (object type `playbook`)."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString

from tandem.core import access
from tandem.core.access import Verb
from tandem.sales.playbooks import search, semantic
from tandem.sales.playbooks.models import Answer, AnswerUse, BattleCard, Objection

# The index is asked for more candidates than shown, so that the feedback boost (at most ±10 %) can lift a
# helpful answer from just below the cut into the page. Past a few times the page size it can never matter.
CANDIDATES_PER_RESULT = 4
MAX_LIMIT = 50
# Semantic search (optional extra): the blend of full-text relevance and meaning, and how similar an answer
# sharing no word with the question must be to be offered (all-MiniLM-L6-v2 cosine: in the tests, answers
# on another subject score -0.1 to 0.18, the answer to the question asked in other words 0.25 to 0.35).
TEXT_WEIGHT = 0.5
SEMANTIC_WEIGHT = 0.5
MIN_SIMILARITY = 0.2


def can_view(user) -> bool:
    return access.allows(user, "playbook", Verb.VIEW)


def can_edit(user) -> bool:
    return access.allows(user, "playbook", Verb.CHANGE)


def can_record_use(user) -> bool:
    return access.allows(user, "answer_use", Verb.CREATE)


def _with_counts(queryset: QuerySet[Answer]) -> QuerySet[Answer]:
    return queryset.annotate(
        use_count=Count("uses"),
        helped_count=Count("uses", filter=Q(uses__helped=AnswerUse.Helped.YES)),
        rated_count=Count("uses", filter=~Q(uses__helped=AnswerUse.Helped.UNKNOWN)),
    )


def lost_deal_count():
    """How many live lost deals met the objection (`Deal.objections_met`, read through its reverse name: the
    deals app sits above playbooks). The feedback loop: which objections cost us deals. A count over all
    deals, no names: a statistic of the library, like an answer's use count."""
    through = Objection.lost_deals.through
    counted = (
        through.objects.filter(
            objection_id=OuterRef("pk"), deal__status="lost", deal__deleted_at__isnull=True
        )
        .order_by()
        .values("objection_id")
        .annotate(total=Count("id"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def objections(user, *, category: str = "", query: str = "") -> QuerySet[Objection]:
    """The objection library, newest first, with answer counts; filtered by category and by words in the text."""
    queryset = access.scope_queryset(user, Verb.VIEW, Objection.objects.all())
    if category:
        queryset = queryset.filter(category=category)
    for word in query.split()[:5]:
        queryset = queryset.filter(text__icontains=word)
    return queryset.annotate(answer_count=Count("answers"), lost_deal_count=lost_deal_count()).order_by("-id")


def objection_detail(user, pk: int) -> Objection:
    """One objection with its answers in order, each with its use counts (404 / 403 by the policy)."""
    objection = access.get_object_or_deny(
        user, Verb.VIEW, Objection.objects.annotate(lost_deal_count=lost_deal_count()), pk=pk
    )
    objection.ordered_answers = list(_with_counts(objection.answers.order_by("position", "id")))
    return objection


def answer_for(user, verb: str, pk: int) -> Answer:
    return access.get_object_or_deny(user, verb, Answer.objects.select_related("objection"), pk=pk)


def battle_cards(user) -> QuerySet[BattleCard]:
    queryset = access.scope_queryset(user, Verb.VIEW, BattleCard.objects.all())
    return queryset.annotate(objection_count=Count("objections")).order_by("competitor", "id")


def battle_card_detail(user, pk: int) -> BattleCard:
    queryset = BattleCard.objects.prefetch_related(
        Prefetch(
            "objections", queryset=Objection.objects.annotate(answer_count=Count("answers")).order_by("text")
        )
    )
    return access.get_object_or_deny(user, Verb.VIEW, queryset, pk=pk)


@dataclass(frozen=True)
class AnswerResult:
    """One ranked answer for a buyer's question: the answer, its objection, the highlighted parts (HTML, escaped),
    the use counts and the score it was ranked by."""

    answer: Answer
    objection: Objection
    objection_html: SafeString
    answer_html: SafeString
    proof_html: SafeString
    used: int
    helped: int
    score: float


def feedback_factor(*, helped: int, rated: int) -> float:
    """How much the reps' verdicts move an answer: 0.9 (never helped) to 1.1 (always helped), 1.0 unrated.

    The helped rate is smoothed as if every answer started with one "helped" and one "did not help" (Laplace:
    (helped + 1) / (rated + 2)), so a single vote moves it only a little and many votes move it up to the
    ends. It multiplies the text relevance, so at most ±10 %: among answers that match the question about as
    well, the helpful ones come first; a helpful answer never beats one that matches much better. Uses marked
    "not sure yet" count as uses, not as verdicts."""
    rate = (helped + 1) / (rated + 2)
    return 0.9 + 0.2 * rate


def search_answers(query: str, *, limit: int = 10, user=None) -> list[AnswerResult]:
    """The answers that best answer `query`, best first, at most `limit` (1..50).

    Ranked by the full-text relevance (see `search`) times `feedback_factor`; ties keep the order reps gave
    the answers (position), then the answer id. With semantic search on (`semantic.enabled()`: the extra is
    installed and TANDEM_SEMANTIC_SEARCH is not off) the relevance is a blend instead: the full-text
    relevance scaled to 0..1 by the best match, and the cosine similarity of the question and the answer,
    half each; answers that share no word with the question join the candidates when their similarity
    reaches MIN_SIMILARITY. When `user` is given, only answers they may view are returned (the playbook is
    readable by every role today)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if user is not None and not can_view(user):
        return []
    candidates = limit * CANDIDATES_PER_RESULT
    words = search.words_of(query)
    found = dict(search.ranked(words, limit=candidates))
    relevance = dict(found)
    if semantic.enabled():
        similarity = semantic.similarities(query, found, closest=candidates, minimum=MIN_SIMILARITY)
        best = max(relevance.values(), default=0.0) or 1.0
        relevance = {
            answer_id: TEXT_WEIGHT * relevance.get(answer_id, 0.0) / best
            + SEMANTIC_WEIGHT * max(similarity.get(answer_id, 0.0), 0.0)
            for answer_id in [*relevance, *similarity]
        }
    if not relevance:
        return []
    # The candidates' counts as plain values (the feedback factor needs no model), then models for the page only.
    counted = _with_counts(Answer.objects.filter(pk__in=list(relevance)))
    if user is not None:
        counted = access.scope_queryset(user, Verb.VIEW, counted)
    rows = counted.values_list("pk", "position", "use_count", "helped_count", "rated_count")
    scored = sorted(
        (
            (relevance[pk] * feedback_factor(helped=helped, rated=rated), position, pk, used, helped)
            for pk, position, used, helped, rated in rows
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )[:limit]
    answers = (
        Answer.objects.select_related("objection").defer("embedding").in_bulk([item[2] for item in scored])
    )
    scored = [(score, answers[pk], used, helped) for score, _, pk, used, helped in scored if pk in answers]
    # Highlights for the answers shown only; one found by meaning alone has no highlighted words: as it is.
    marked = search.marked(words, [answer.pk for _, answer, _, _ in scored if answer.pk in found])
    results = []
    for score, answer, used, helped in scored:
        answer.use_count, answer.helped_count = used, helped
        parts = marked.get(answer.pk) or search.Marked(
            answer.objection.text, answer.text, answer.proof_points
        )
        results.append(
            AnswerResult(
                answer=answer,
                objection=answer.objection,
                objection_html=search.highlight(parts.objection),
                answer_html=search.highlight(parts.answer),
                proof_html=search.highlight(parts.proof),
                used=used,
                helped=helped,
                score=score,
            )
        )
    return results


def answer_with_counts(user, pk: int) -> Answer:
    """One answer with its use counts (the usage line redrawn after a rep marks it used)."""
    return access.get_object_or_deny(user, Verb.VIEW, _with_counts(Answer.objects.all()), pk=pk)
