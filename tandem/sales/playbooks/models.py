"""The objection library, its answers, battle cards and the record of which answers reps used."""

from django.conf import settings
from django.db import models


class Objection(models.Model):
    """Something a buyer says that stands between them and a deal, in their words, with the answers we give."""

    access_object_type = "playbook"

    class Category(models.TextChoices):
        PRICE = "price", "Price"
        TIMING = "timing", "Timing"
        COMPETITOR = "competitor", "Competitor"
        FEATURE = "feature", "Feature"
        TRUST = "trust", "Trust"
        OTHER = "other", "Other"

    text = models.CharField(max_length=300)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    tags = models.JSONField(default=list, blank=True)  # a list of short words, lower case
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["category", "id"], name="playbooks_objection_category")]

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    """One recommended answer to an objection, in the order reps should try them."""

    access_object_type = "playbook"

    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    proof_points = models.TextField(blank=True)  # one per line: numbers, customer names, studies
    resources = models.JSONField(default=list, blank=True)  # a list of http(s) URLs
    # Semantic search (optional extra, see semantic.py): the unit-length embedding of the objection's and the
    # answer's text, 384 float32 values; empty without the extra or until `manage.py playbook_embeddings`.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["objection_id", "position", "id"]
        indexes = [models.Index(fields=["objection", "position", "id"], name="playbooks_answer_order")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def proof_point_lines(self) -> list[str]:
        return [line.strip() for line in self.proof_points.splitlines() if line.strip()]


class BattleCard(models.Model):
    """How we win against one competitor: their strengths and weaknesses, our winning moves, the traps to set."""

    access_object_type = "playbook"

    competitor = models.CharField(max_length=120)
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    how_we_win = models.TextField(blank=True)
    landmines = models.TextField(blank=True)  # questions a rep asks that expose the competitor's weak spots
    proof_points = models.TextField(blank=True)
    objections = models.ManyToManyField(Objection, blank=True, related_name="battle_cards")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("competitor"), name="playbooks_battlecard_competitor"
            )
        ]

    def __str__(self) -> str:
        return self.competitor


class AnswerUse(models.Model):
    """A rep used this answer (on a deal, when known) and said whether it helped."""

    class Helped(models.TextChoices):
        YES = "yes", "Helped"
        NO = "no", "Did not help"
        UNKNOWN = "unknown", "Not sure yet"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="uses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    # The deal it was used on (named by string: playbooks never imports deals; deals embeds the playbook).
    deal = models.ForeignKey(
        "deals.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="answer_uses"
    )
    helped = models.CharField(max_length=10, choices=Helped.choices, default=Helped.UNKNOWN)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["answer", "helped"], name="playbooks_answeruse_answer")]

    def __str__(self) -> str:
        return f"{self.get_helped_display()} ({self.at:%Y-%m-%d})"
