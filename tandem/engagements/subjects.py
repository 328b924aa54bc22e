"""What an engagement is about: a contact, a company or a deal, reached through the record registry (the
engagements app sits below the hubs and never imports them), and whose timelines its entries land on."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from tandem.contacts.models import Company, Contact
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.records import registry
from tandem.engagements.models import SUBJECT_TYPES

TYPE_NAMES = dict(SUBJECT_TYPES)


@dataclass(frozen=True)
class Subject:
    object_type: str
    record: Model
    title: str
    url: str

    @property
    def pk(self) -> int:
        return self.record.pk

    @property
    def label(self) -> str:
        return TYPE_NAMES.get(self.object_type, self.object_type).lower()


@dataclass(frozen=True)
class People:
    """The timeline rows an entry about a subject becomes: one per (contact, company) pair."""

    rows: list[tuple[Contact | None, Company | None]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)  # who may attend a meeting about it


def available_types() -> list[str]:
    """The subject types of this install (a deal only where the sales hub is installed)."""
    names = {record_type.object_type for record_type in registry.all_types()}
    return [key for key, _ in SUBJECT_TYPES if key in names]


def detail_url(object_type: str, pk: int) -> str:
    try:
        return reverse(registry.get(object_type).url_name("detail"), args=[pk])
    except (LookupError, NoReverseMatch):
        return ""


def resolve(actor, object_type: str, raw_id: Any, *, field_name: str = "subject") -> Subject:
    """The live record `actor` may see, or a ValidationError keyed `field_name` in one sentence."""
    if object_type not in available_types():
        raise ValidationError({field_name: "Choose a contact, company or deal."})
    try:
        pk = int(raw_id)
    except (TypeError, ValueError):
        raise ValidationError(
            {field_name: f"Choose a {TYPE_NAMES[object_type].lower()} that exists."}
        ) from None
    record_type = registry.get(object_type)
    record = record_type.model.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if record is None or (actor is not None and not access.can(actor, Verb.VIEW, record)):
        raise ValidationError({field_name: f"Choose a {TYPE_NAMES[object_type].lower()} that exists."})
    return Subject(object_type, record, record_type.title(record), detail_url(object_type, pk))


def parse_reference(raw: Any) -> tuple[str, str]:
    """ "contact:12" as ("contact", "12"); ("", "") for nothing."""
    text = str(raw or "").strip()
    if not text:
        return "", ""
    kind, _, pk = text.partition(":")
    return kind, pk


def people(subject: Subject) -> People:
    """Whose timelines an entry about `subject` lands on. A contact: its own, with its company (the company's
    timeline gathers its contacts' rows). A company: its own. Any other type: the company and contacts its app
    declares (`registry.register_timeline_people`), each on its own row, as the deal's own entries are."""
    record = subject.record
    if subject.object_type == "contact":
        company = record.company if record.company_id else None
        return People(rows=[(record, company)], contacts=[record])
    if subject.object_type == "company":
        contacts = list(
            Contact.objects.filter(company=record, deleted_at__isnull=True).order_by("last_name", "id")[:50]
        )
        return People(rows=[(None, record)], contacts=contacts)
    declared = registry.timeline_people(subject.object_type, record.pk)
    if declared is None:
        return People()
    company_id, contact_ids = declared
    company = Company.objects.filter(pk=company_id, deleted_at__isnull=True).first() if company_id else None
    contacts = list(
        Contact.objects.filter(pk__in=contact_ids, deleted_at__isnull=True).order_by("last_name", "id")
    )
    rows: list[tuple[Contact | None, Company | None]] = [(None, company)] if company else []
    rows += [(contact, None) for contact in contacts]
    return People(rows=rows, contacts=contacts)
