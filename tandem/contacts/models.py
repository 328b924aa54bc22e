"""The spine: every person and company, their lifecycle, consent, and the timeline of every touch."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from tandem.contacts.normalize import COMPANY_NAME_KEY_LENGTH, company_name_key
from tandem.core import timeline

LIVE = Q(deleted_at__isnull=True)


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing qualified lead"
    SQL = "sql", "Sales qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    OTHER = "other", "Other"


class LeadStatus(models.TextChoices):
    NONE = "", "—"
    NEW = "new", "New"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    CONNECTED = "connected", "Connected"
    UNQUALIFIED = "unqualified", "Unqualified"
    BAD_TIMING = "bad_timing", "Bad timing"


class CompanySize(models.TextChoices):
    UNKNOWN = "", "—"
    MICRO = "1-9", "1–9"
    SMALL = "10-49", "10–49"
    MEDIUM = "50-249", "50–249"
    LARGE = "250-999", "250–999"
    ENTERPRISE = "1000+", "1,000+"


class OwnedRecord(models.Model):
    """Fields every owned record shares: the owner, the team that follows the owner, and its life span."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    properties = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CompanyQuerySet(models.QuerySet):
    """Every ORM write of a company's name writes its name key too (normalize.company_name_key): the
    services' one-column updates, merges and their undo, bulk creates and updates. Writers that bypass the
    ORM (the import's executemany, the demo generator) set the key themselves."""

    def update(self, **values):
        if "name" in values and "name_key" not in values:
            if not isinstance(values["name"], str):
                raise TypeError("Give a company's new name as text, so that its name key can follow it.")
            values["name_key"] = company_name_key(values["name"])
        return super().update(**values)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for company in objs:
            company.name_key = company_name_key(company.name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if "name" in fields:
            for company in objs:
                company.name_key = company_name_key(company.name)
            if "name_key" not in fields:
                fields.append("name_key")
        return super().bulk_update(objs, fields, *args, **kwargs)


class Company(OwnedRecord):
    """An organisation we market, sell or give service to."""

    access_object_type = "company"

    name = models.CharField(max_length=200)
    # The name as matching sees it (normalize.company_name_key): an import row's "SOCIETE GENERALE" finds
    # "Société Générale" with one indexed equality, the same way on SQLite and PostgreSQL.
    name_key = models.CharField(
        max_length=COMPANY_NAME_KEY_LENGTH, blank=True, default="", db_default="", editable=False
    )
    domain = models.CharField(max_length=253, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=10, choices=CompanySize.choices, blank=True)
    country = CountryField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    # Where the account is in the funnel, in the contacts' words: a won deal makes it a customer.
    lifecycle_stage = models.CharField(
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
        db_default=LifecycleStage.LEAD,
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=LIVE & ~Q(domain=""),
                name="contacts_company_domain_unique_live",
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=LIVE, name="contacts_company_external_id_unique_live"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="contacts_company_external_id_null_not_blank"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="company_live_created"),
            models.Index(Lower("name"), "id", condition=LIVE, name="company_live_name"),
            models.Index(fields=["name_key", "id"], condition=LIVE, name="company_live_name_key"),
            models.Index(
                fields=["owner", "-created_at", "-id"], condition=LIVE, name="company_owner_created"
            ),
            models.Index(fields=["team", "-created_at", "-id"], condition=LIVE, name="company_team_created"),
            # The list's country and industry filters (and their capped counts) read an index, not the table.
            models.Index(
                fields=["country", "-created_at", "-id"], condition=LIVE, name="company_country_created"
            ),
            models.Index(Lower("industry"), condition=LIVE, name="company_live_industry"),
            models.Index(
                fields=["lifecycle_stage", "-created_at", "-id"], condition=LIVE, name="company_stage_created"
            ),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="company_trash"),
            models.Index(
                fields=["phone", "id"], condition=LIVE & ~Q(phone=""), name="company_duplicate_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The name key follows the name on every save, also one limited to some fields.
        self.name_key = company_name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields and "name_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_key"]
        super().save(*args, **kwargs)


class ContactQuerySet(models.QuerySet):
    def not_suppressed(self) -> "ContactQuerySet":
        """Leave out everyone whose address is suppressed: one anti-join on the address hash, answered by
        the unique index of Suppression.address_hash (a probe per contact, or a merge with the
        contact_address_hash index), so a segment of a million contacts is filtered by the database."""
        return self.exclude(Exists(Suppression.objects.filter(address_hash=OuterRef("address_hash"))))

    def suppressed(self) -> "ContactQuerySet":
        return self.filter(Exists(Suppression.objects.filter(address_hash=OuterRef("address_hash"))))


class Contact(OwnedRecord):
    """A person: a visitor who left an address, a lead, a buyer, a customer asking for help."""

    access_object_type = "contact"

    email = models.CharField(max_length=320, null=True, blank=True)
    # The record's id in the system it came from (a CRM export's "Record ID"), the other upsert key of imports.
    external_id = models.CharField(max_length=100, null=True, blank=True)
    email_domain = models.CharField(max_length=253, blank=True)
    # The suppression key of the email (normalize.address_hash; blank without an email), kept beside it
    # so "exclude everyone suppressed" is a join on an indexed column. Every writer of `email` sets it.
    address_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    country = CountryField(blank=True)
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD
    )
    lead_status = models.CharField(max_length=20, choices=LeadStatus.choices, blank=True)
    score = models.IntegerField(default=0)
    # First touch: where this person first came from. Written once, by the first source that knows it.
    source = models.CharField(max_length=100, blank=True)
    source_medium = models.CharField(max_length=100, blank=True)
    source_campaign = models.CharField(max_length=200, blank=True)
    source_referrer = models.CharField(max_length=500, blank=True)
    source_landing_page = models.CharField(max_length=500, blank=True)
    tags = models.ManyToManyField("Tag", through="ContactTag", related_name="contacts", blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=LIVE, name="contacts_contact_email_unique_live"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="contacts_contact_email_null_not_blank"),
            models.UniqueConstraint(
                fields=["external_id"], condition=LIVE, name="contacts_contact_external_id_unique_live"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="contacts_contact_external_id_null_not_blank"
            ),
        ]
        # Each list sort and filter has an index ending in the id, so keyset pagination stays exact and
        # every page is an index range scan, however deep.
        indexes = [
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="contact_live_created"),
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="contact_live_updated"),
            models.Index(fields=["last_name", "first_name", "id"], condition=LIVE, name="contact_live_name"),
            models.Index(fields=["-score", "-id"], condition=LIVE, name="contact_live_score"),
            models.Index(
                fields=["lifecycle_stage", "-created_at", "-id"], condition=LIVE, name="contact_stage_created"
            ),
            models.Index(
                fields=["owner", "-created_at", "-id"], condition=LIVE, name="contact_owner_created"
            ),
            # "Your recently updated contacts" on the home page.
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="contact_owner_updated"
            ),
            models.Index(fields=["team", "-created_at", "-id"], condition=LIVE, name="contact_team_created"),
            models.Index(
                fields=["country", "-created_at", "-id"], condition=LIVE, name="contact_country_created"
            ),
            models.Index(fields=["company", "-created_at", "-id"], name="contact_company_created"),
            models.Index(fields=["email_domain"], name="contact_email_domain"),
            models.Index(fields=["address_hash"], condition=~Q(address_hash=""), name="contact_address_hash"),
            # Contacts a writer left without their suppression key (services.fill_missing_address_hashes
            # finds them each minute); empty while every writer sets it, so it costs next to nothing.
            models.Index(
                fields=["id"],
                condition=Q(address_hash="", email__isnull=False),
                name="contact_address_hash_missing",
            ),
            # Search words of one or two characters have no trigram and fall back to a prefix of the first or
            # last name (tandem.contacts.search); email prefixes use the unique email index. Longer words use
            # the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) installed by the search migration.
            models.Index(Lower("first_name"), condition=LIVE, name="contact_search_first_name"),
            models.Index(Lower("last_name"), condition=LIVE, name="contact_search_last_name"),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="contact_trash"),
            # The duplicates page groups live contacts by these keys (tandem.contacts.duplicates): each
            # GROUP BY walks one index in key order and stops after a page of groups.
            models.Index(
                fields=["phone", "id"], condition=LIVE & ~Q(phone=""), name="contact_duplicate_phone"
            ),
            models.Index(
                Lower("last_name"),
                Lower("first_name"),
                "email_domain",
                "id",
                condition=LIVE & ~Q(first_name="") & ~Q(last_name="") & ~Q(email_domain=""),
                name="contact_duplicate_name_domain",
                # PostgreSQL reads an expression index alone (index-only) only if it also holds the columns.
                include=["first_name", "last_name"],
            ),
            models.Index(
                Lower("last_name"),
                Lower("first_name"),
                "company",
                "id",
                condition=LIVE & ~Q(first_name="") & ~Q(last_name="") & Q(company__isnull=False),
                name="contact_duplicate_name_company",
                include=["first_name", "last_name"],
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or f"Contact #{self.pk}"


class Tag(models.Model):
    """A label on contacts, shared by everyone (e.g. "webinar-2026", "partner")."""

    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactTag(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "tag"], name="contacts_contacttag_unique")]
        indexes = [models.Index(fields=["tag", "contact"], name="contacttag_tag_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.tag_id}"


class PropertyType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes/no"
    CHOICE = "choice", "Choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"


class PropertyDefinition(models.Model):
    """A custom field an admin defines for a record type (contacts, companies, any type that declares a
    properties column); values live in the record's JSON."""

    access_object_type = "property"

    # The record type's object type. Which types take properties is their declarations' business
    # (tandem.core.records.registry.with_properties), so the create service checks it, not a fixed list.
    object_type = models.CharField(max_length=20)
    name = models.SlugField(max_length=60, help_text="Key used in imports and the API, e.g. plan_tier.")
    label = models.CharField(max_length=100)
    value_type = models.CharField(max_length=20, choices=PropertyType.choices)
    choices = models.JSONField(default=list, blank=True)
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["object_type", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "name"], name="contacts_property_unique_name"),
            models.CheckConstraint(
                condition=Q(value_type__in=PropertyType.values), name="contacts_property_known_type"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class StageChange(models.Model):
    """One move of a contact between lifecycle stages: the base of conversion and velocity reports."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What caused it: a user edit, an import, a form, a score rule, a deal (type + id, like Activity).
    cause_type = models.CharField(max_length=30, blank=True)
    cause_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["contact", "changed_at"], name="stagechange_contact"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_to_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"


class ActivityKind:
    """The keys of the timeline kinds the spine writes. Kinds are declared, with their label, icon, renderer
    and link, in the registry of tandem/core/timeline.py by the app that owns them (the spine's in
    contacts/records/timeline_kinds.py); a hub adds its own without changing this class or the table."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"
    STAGE_CHANGED = "stage_changed"
    NOTE = "note"
    PAGE_VIEW = "page_view"
    FORM_SUBMITTED = "form_submitted"
    # The email hub will own these; until it exists the spine declares them (the demo writes them).
    EMAIL_SENT = "email_sent"
    EMAIL_DELIVERED = "email_delivered"
    EMAIL_OPENED = "email_opened"
    EMAIL_CLICKED = "email_clicked"
    EMAIL_BOUNCED = "email_bounced"
    UNSUBSCRIBED = "unsubscribed"
    CONSENT_CHANGED = "consent_changed"
    SCORE_CHANGED = "score_changed"
    IMPORTED = "imported"
    IMPORT_UNDONE = "import_undone"
    EXPORTED = "exported"
    MERGED = "merged"
    MERGE_UNDONE = "merge_undone"
    SUPPRESSED = "suppressed"


class Activity(models.Model):
    """One touch on a person's or company's timeline. Append-only: never updated, never deleted by the app.

    A row belongs to a contact, a company, or only to its subject: a record type without timeline rows of
    its own (a deal) writes one row for itself beside the copies on its people, so its page shows its own
    events whatever its links (a deal with no company and no contact, or whose contacts were trashed)."""

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    # A kind registered in tandem/core/timeline.py by the app that owns it (no choices here: a new kind needs
    # no migration of this table). The services check it against the registry before writing.
    kind = models.CharField(max_length=30)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the touch refers to (a form, campaign, email, link, page, deal, quote, ticket, survey...).
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    # The campaign that earned this touch, for attribution; campaigns arrive with the email issue.
    campaign_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False)
                | Q(company__isnull=False)
                | (Q(subject_id__isnull=False) & ~Q(subject_type="")),
                name="activity_has_a_record_or_subject",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"], name="activity_contact_time"),
            models.Index(fields=["company", "-occurred_at", "-id"], name="activity_company_time"),
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_time"),
            models.Index(fields=["subject_type", "subject_id"], name="activity_subject"),
            models.Index(fields=["campaign_id", "occurred_at"], name="activity_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        """The kind's label from the registry ("Deal won"); a kind no installed app declares reads as words."""
        return timeline.label_of(self.kind)


class ConsentPurpose(models.TextChoices):
    MARKETING_EMAIL = "marketing_email", "Marketing email"
    TRACKING = "tracking", "Tracking"


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", "Granted"
    PENDING = "pending", "Pending confirmation"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentQuerySet(models.QuerySet):
    def current(self) -> "ConsentQuerySet":
        """The latest row per contact and purpose: what holds now (older rows are its history)."""
        latest = Consent.objects.filter(contact=OuterRef("contact"), purpose=OuterRef("purpose")).order_by(
            "-recorded_at", "-id"
        )
        return self.filter(pk=models.Subquery(latest.values("pk")[:1]))


class Consent(models.Model):
    """One decision a person made about one purpose, with the evidence of how and when. Decisions are
    never overwritten: confirming or withdrawing adds a row, and the latest row per purpose holds."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    status = models.CharField(max_length=20, choices=ConsentStatus.choices)
    method = models.CharField(max_length=50, help_text="How it was given: form, import, in person, API...")
    recorded_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=200, blank=True)
    wording_hash = models.CharField(max_length=64, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ConsentStatus.values), name="consent_known_status"),
        ]
        indexes = [
            models.Index(fields=["contact", "purpose", "-recorded_at", "-id"], name="consent_history"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_status_display()}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    HARD_BOUNCE = "hard_bounce", "Hard bounce"
    COMPLAINT = "complaint", "Spam complaint"
    MANUAL = "manual", "Added by hand"
    ERASURE = "erasure", "Erased on request"


class Suppression(models.Model):
    """An address we must never mail, kept as a hash so that it outlives the contact's erasure."""

    address_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20, choices=SuppressionReason.choices)
    source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.address_hash[:10]}…)"


class MergeRecord(models.Model):
    """Two contacts (or companies) made one: the survivor's values before, what moved, so it can be undone.

    Records are referenced by id, not foreign key: the other record may be purged from the trash later,
    and the merge must still be listed (as no longer undoable) on the survivor's page.
    """

    class ObjectType(models.TextChoices):
        CONTACT = "contact", "Contact"
        COMPANY = "company", "Company"

    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    survivor_id = models.BigIntegerField()
    other_id = models.BigIntegerField()
    # The other record's name when merged, for the survivor's page once it is purged.
    other_name = models.CharField(max_length=320, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField()
    # Field name (or "properties.<name>") -> "survivor" | "other", as the user chose.
    choices = models.JSONField(default=dict, blank=True)
    # Every column of the survivor before the merge (JSON-ready), restored as is by an undo.
    survivor_before = models.JSONField(default=dict)
    # Ids of the rows the merge moved or removed: activities, stage_changes, consents, tags, contacts, and
    # removed_consents (the survivor's older consent rows, kept whole so an undo can put them back).
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(survivor_id=models.F("other_id")), name="merge_two_records"),
        ]
        indexes = [
            models.Index(fields=["object_type", "survivor_id", "-merged_at"], name="merge_survivor"),
            models.Index(fields=["object_type", "other_id"], name="merge_other"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} #{self.other_id} into #{self.survivor_id}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class DismissedDuplicate(models.Model):
    """A pair someone looked at and said "not a duplicate", so the duplicates page stops suggesting it."""

    object_type = models.CharField(max_length=20, choices=MergeRecord.ObjectType.choices)
    # The pair in id order (first < second), so each pair has exactly one row.
    first_id = models.BigIntegerField()
    second_id = models.BigIntegerField()
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "first_id", "second_id"], name="contacts_dismissed_duplicate_unique"
            ),
            models.CheckConstraint(
                condition=Q(first_id__lt=models.F("second_id")), name="dismissed_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} #{self.first_id} ≠ #{self.second_id}"
