"""The deal's own timeline: every entry on the spine's timeline (Activity) whose subject is the deal — its
creation, moves, won and lost, notes, what other apps write with subject_type "deal" — and the 1:1 emails
sent about it. Shown with the contact page's rendering (`TimelineSupport`, its templates and `present`):
only which rows belong to a deal is the deals app's."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from tandem.contacts.models import Activity, ActivityKind, Contact
from tandem.contacts.records.timeline import TIMELINE_PAGE_SIZE, TimelineSupport, present
from tandem.contacts.services import record_activity
from tandem.contacts.services.timeline import NOTE_MAX_LENGTH
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import InvalidCursor, Page, SortKey, paginate
from tandem.mail.compose.timeline import SUBJECT_TYPE as EMAIL_SUBJECT
from tandem.mail.models import Message
from tandem.sales.deals.models import Deal, DealContact

SUBJECT_TYPE = "deal"

# Other sales apps whose timeline entries are about something of the deal's (a quote of the deal) register
# here how to find those subjects, so the deal's timeline shows them without deals importing them:
# subject type -> a function of the deal giving a queryset of those subjects' ids.
_RELATED_SUBJECTS: dict[str, Callable[[Deal], QuerySet]] = {}


def register_related_subjects(subject_type: str, subject_ids: Callable[[Deal], QuerySet]) -> None:
    """Show the entries whose subject is `subject_type` with an id in `subject_ids(deal)` on the deal's
    timeline (called from the other app's AppConfig.ready)."""
    _RELATED_SUBJECTS[subject_type] = subject_ids


def deal_timeline(*, reader, deal: Deal, cursor: str | None = None, limit: int = TIMELINE_PAGE_SIZE) -> Page:
    """The deal's entries, newest first, keyset paged on (occurred_at, id).

    A deal's event is written once for the deal alone, once on its company and once on each of its contacts
    (so each of their timelines shows it), at one moment: here it is one entry, the first row written for
    it that the reader may see (the deal's own row; for events older than those rows, the first copy on its
    people). Entries on a contact the reader may not see (another team's, in the trash) are left out, as
    on a company's timeline. Set-based: one query per page, on the (subject_type, subject_id) index."""
    emails = Message.objects.filter(about_type=SUBJECT_TYPE, about_id=deal.pk).values("pk")
    about = Q(subject_type=SUBJECT_TYPE, subject_id=deal.pk) | Q(
        subject_type=EMAIL_SUBJECT, subject_id__in=emails
    )
    for subject_type, subject_ids in _RELATED_SUBJECTS.items():
        about |= Q(subject_type=subject_type, subject_id__in=subject_ids(deal))
    visible = Q(contact__isnull=True) | (
        Q(contact__deleted_at__isnull=True) & access.related_condition(reader, Verb.VIEW, Contact, "contact")
    )
    earlier_copy = Activity.objects.filter(visible).filter(
        subject_type=OuterRef("subject_type"),
        subject_id=OuterRef("subject_id"),
        kind=OuterRef("kind"),
        occurred_at=OuterRef("occurred_at"),
        id__lt=OuterRef("id"),
    )
    queryset = (
        Activity.objects.filter(about).filter(visible).filter(~Exists(earlier_copy)).select_related("actor")
    )
    return paginate(queryset, SortKey(("occurred_at", "id"), descending=True), cursor, limit)


def add_deal_note(*, actor, deal: Deal, body: str) -> Activity:
    """A note on the deal, by someone who may change it: written on the deal's company (else its primary
    contact) with the deal as subject, so it shows there too; on the deal alone when it has neither."""
    if actor is not None:
        access.require(actor, Verb.CHANGE, deal)
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": "Write something before adding the note."})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": f"A note can be at most {NOTE_MAX_LENGTH:,} characters."})
    target = {}
    if deal.company_id and deal.company.deleted_at is None:
        target["company"] = deal.company
    else:
        link = (
            DealContact.objects.filter(deal=deal, contact__deleted_at__isnull=True)
            .select_related("contact")
            .order_by("-is_primary", "id")
            .first()
        )
        if link is not None:
            target.update(contact=link.contact, company=link.contact.company)
    return record_activity(
        kind=ActivityKind.NOTE,
        actor=actor,
        body=text,
        subject_type=SUBJECT_TYPE,
        subject_id=deal.pk,
        details={"deal": deal.name},
        **target,
    )


@dataclass(frozen=True)
class DealTimelineSupport(TimelineSupport):
    """The contact page's timeline panel, items and note form, fed with the deal's entries."""

    object_type: str = "deal"
    namespace: str = "deals"
    show_contact: bool = True

    def context(self, request, record, *, definitions, cursor: str | None) -> dict:
        error = ""
        try:
            page = deal_timeline(reader=request.user, deal=record, cursor=cursor)
        except InvalidCursor as invalid:
            error = f"{invalid} Showing the newest entries."
            page = deal_timeline(reader=request.user, deal=record)
        entries = present(request.user, page.rows, definitions=[], show_contact=True)
        timeline_url = self._url("timeline", record)
        return {
            "timeline_entries": entries,
            "timeline_page": page,
            "timeline_error": error,
            "timeline_next_url": f"{timeline_url}?cursor={page.next_cursor}" if page.next_cursor else "",
            "timeline_is_first_page": not cursor or bool(error),
            "note_url": self._url("note", record),
        }

    def add_note(self, *, actor, body: str, record):
        return add_deal_note(actor=actor, deal=record, body=body)
