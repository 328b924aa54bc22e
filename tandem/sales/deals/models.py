"""Pipelines, their stages, deals and every move a deal makes between stages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.contacts.models import OwnedRecord

LIVE = Q(deleted_at__isnull=True)
DEFAULT_CURRENCY = "EUR"


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ForecastCategory(models.TextChoices):
    """The rep's own call on an open deal, beside the stage's probability: what the forecast counts on.
    Won and lost deals are shown as "closed", derived from the status, never stored here."""

    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"
    OMITTED = "omitted", "Omitted"


class Pipeline(models.Model):
    """A sales process (new business, renewals): ordered stages a deal moves through."""

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # An archived pipeline is off the board and the deal form; its deals and history stay.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="deals_one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One step of a pipeline, with the chance a deal in it is won and how long it may sit there."""

    # Deal fields a stage may require before a deal enters it ("amount before Proposal").
    REQUIRABLE = {
        "amount": "amount",
        "expected_close_date": "expected close date",
        "company": "company",
        "next_step": "next step",
    }

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(default=0, help_text="Win probability, 0–100 %.")
    rotting_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days in this stage after which an open deal is flagged."
    )
    required_fields = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=10, choices=StageKind.choices, default=StageKind.OPEN)
    # A removed stage that deals once passed through: off the board, kept for their history (DealStageChange
    # points at it). A stage nobody ever used is deleted instead.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pipeline_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="deals_stage_probability_max"),
            models.UniqueConstraint(fields=["pipeline", "order"], name="deals_stage_order_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class LossReason(models.Model):
    """An admin-defined reason a deal was lost (price, timing, no decision…): structured for win/loss."""

    label = models.CharField(max_length=100, unique=True)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class Deal(OwnedRecord):
    """A possible sale to a company: an amount in one currency, moving through a pipeline's stages."""

    access_object_type = "deal"

    name = models.CharField(max_length=200)
    # Money is a decimal in the deal's currency, never a float.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    expected_close_date = models.DateField(null=True, blank=True)
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    # The stage's kind, kept on the row so the list's status filter and the board read one index.
    status = models.CharField(max_length=10, choices=StageKind.choices, default=StageKind.OPEN)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    # The primary contact's first-touch source at creation, so revenue can be attributed to marketing.
    source = models.CharField(max_length=100, blank=True)
    next_step = models.CharField(max_length=200, blank=True)
    next_step_date = models.DateField(null=True, blank=True)
    won_reason = models.CharField(max_length=200, blank=True)
    loss_reason = models.ForeignKey(
        LossReason, null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    competitor = models.CharField(max_length=100, blank=True)
    close_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    forecast_category = models.CharField(
        max_length=10, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    contacts = models.ManyToManyField("contacts.Contact", through="DealContact", related_name="+")
    # The objections a lost deal met, from the playbook's library. The table lives here, on the deal, because
    # closing a deal is a deals service: deals imports playbooks (the objection library below it), while
    # playbooks only counts through the reverse name `lost_deals` and never imports deals.
    objections_met = models.ManyToManyField("playbooks.Objection", blank=True, related_name="lost_deals")

    class Meta:
        indexes = [
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="deal_live_created"),
            models.Index(fields=["name", "id"], condition=LIVE, name="deal_live_name"),
            models.Index(fields=["-amount", "-id"], condition=LIVE, name="deal_live_amount"),
            models.Index(fields=["expected_close_date", "id"], condition=LIVE, name="deal_live_close"),
            models.Index(fields=["owner", "-created_at", "-id"], condition=LIVE, name="deal_owner_created"),
            models.Index(fields=["team", "-created_at", "-id"], condition=LIVE, name="deal_team_created"),
            # The board: one pipeline's live deals by stage, each column's cards by close date.
            models.Index(
                fields=["pipeline", "stage", "expected_close_date", "id"], condition=LIVE, name="deal_board"
            ),
            # The board's column sums (count, total per currency) read from the index alone: deleted_at is in
            # it too, or SQLite reads each row to check the condition the partial index already implies.
            models.Index(
                fields=["pipeline", "stage", "currency", "amount", "deleted_at"],
                condition=LIVE,
                name="deal_board_totals",
            ),
            models.Index(fields=["status", "-created_at", "-id"], condition=LIVE, name="deal_status_created"),
            models.Index(fields=["company", "-created_at", "-id"], condition=LIVE, name="deal_company"),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="deal_trash"),
            # The forecast: live deals by status and close month (open ones by expected close date, won
            # ones by closed_at), summed per owner, category and currency.
            models.Index(
                fields=["status", "expected_close_date", "owner"], condition=LIVE, name="deal_forecast_open"
            ),
            models.Index(
                fields=["status", "closed_at", "owner"], condition=LIVE, name="deal_forecast_closed"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DealRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    CHAMPION = "champion", "Champion"
    USER = "user", "User"
    OTHER = "other", "Other"


class DealContact(models.Model):
    """A person involved in a deal, with their role; one of them is the primary contact."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deal_contacts")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=DealRole.choices, default=DealRole.OTHER)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="deals_contact_once"),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(is_primary=True), name="deals_one_primary_contact"
            ),
        ]
        indexes = [models.Index(fields=["contact", "deal"], name="deal_contact_contact")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on deal {self.deal_id}"


class DealStageChange(models.Model):
    """One move of a deal between stages (who, when): the history, and the base of velocity reports."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["deal", "changed_at", "id"], name="deal_stage_change_deal")]

    def __str__(self) -> str:
        return f"Deal {self.deal_id}: stage {self.from_stage_id} → {self.to_stage_id}"


class QualificationStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    PARTLY = "partly", "Partly"
    CONFIRMED = "confirmed", "Confirmed"


class Qualification(models.Model):
    """What a rep has learned about a deal or a person: the six questions of qualification (pains, goals,
    budget, authority, need, timeline), each with how sure we are and a short note, and free-form needs.
    One row per deal or per contact, never both (a contact's answers carry over to any deal)."""

    # (key, label, what the rep asks) in the order the panel shows them.
    CRITERIA = [
        ("pains", "Pains", "What hurts today, and what does it cost them?"),
        ("goals", "Goals", "What do they want to achieve, and by when?"),
        ("budget", "Budget", "Is there money for this, and how much?"),
        ("authority", "Authority", "Who decides, and who signs?"),
        ("need", "Need", "Why us, why now?"),
        ("timeline", "Timeline", "When must it be live, and what drives the date?"),
    ]
    NOTE_MAX_LENGTH = 500

    deal = models.OneToOneField(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="qualification"
    )
    contact = models.OneToOneField(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pains_status = models.CharField(max_length=10, choices=QualificationStatus.choices, default="unknown")
    pains_note = models.CharField(max_length=500, blank=True)
    goals_status = models.CharField(max_length=10, choices=QualificationStatus.choices, default="unknown")
    goals_note = models.CharField(max_length=500, blank=True)
    budget_status = models.CharField(max_length=10, choices=QualificationStatus.choices, default="unknown")
    budget_note = models.CharField(max_length=500, blank=True)
    authority_status = models.CharField(max_length=10, choices=QualificationStatus.choices, default="unknown")
    authority_note = models.CharField(max_length=500, blank=True)
    need_status = models.CharField(max_length=10, choices=QualificationStatus.choices, default="unknown")
    need_note = models.CharField(max_length=500, blank=True)
    timeline_status = models.CharField(max_length=10, choices=QualificationStatus.choices, default="unknown")
    timeline_note = models.CharField(max_length=500, blank=True)
    needs = models.TextField(blank=True)
    # The optimistic check's version, as on records: a save that read an older one is refused.
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(deal__isnull=False) & Q(contact__isnull=True))
                | (Q(deal__isnull=True) & Q(contact__isnull=False)),
                name="deals_qualification_one_record",
            )
        ]

    def __str__(self) -> str:
        return (
            f"Qualification of deal {self.deal_id}" if self.deal_id else f"Qualification of {self.contact_id}"
        )

    @property
    def confirmed_count(self) -> int:
        return sum(
            getattr(self, f"{key}_status") == QualificationStatus.CONFIRMED for key, _, _ in self.CRITERIA
        )
